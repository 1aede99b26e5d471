import { api } from '../../test/support/http-client.ts';

/** Acknowledged orders (answered 201) that the server cannot find afterwards. */
export async function countLost(url: string, admin: string, orderIds: readonly string[]): Promise<number> {
  let lost = 0;
  let next = 0;
  const worker = async () => {
    while (next < orderIds.length) {
      const id = orderIds[next++]!;
      const { status } = await api(url, `/v1/orders/${id}`, { token: admin });
      if (status !== 200) lost++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return lost;
}
