/** Who is asking: `sub` of a verified token, and whether it carries the admin role. */
export interface Actor {
  readonly userId: string;
  readonly isAdmin: boolean;
}
