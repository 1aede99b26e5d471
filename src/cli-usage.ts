/** The `flashsale` command's help: one text per command, and the summary of all. */
export const COMMAND_USAGE = {
  token: `usage: flashsale token --sub <user> [--admin] [--ttl <seconds>] [--data-dir <dir>]
  Prints a token the local server accepts (signed with the key in the data directory).
    --sub <user>      the user id (required)
    --admin           add the admin role
    --ttl <seconds>   lifetime, default 86400
    --data-dir <dir>  the server's data directory, default ./data (DATA_DIR)
`,
  'dead-letters': `usage: flashsale dead-letters list [--data-dir <dir>]
       flashsale dead-letters redrive (<id> | --all) [--data-dir <dir>]
  Lists the order events parked after their last failed attempt, or sends them
  through the pipeline again with fresh attempts.
`,
  sale: `usage: flashsale sale create --sku <sku> --name <name> --stock <n> --ends-at <time>
                             --price-cents <n> --currency <XYZ> [--starts-at <time>]
                             [--per-user-limit <n>] [--payment-window-seconds <n>] [--data-dir <dir>]
       flashsale sale show <id> [--data-dir <dir>]
  Creates a sale (printed as JSON, with its id) or shows one with its status and
  units left. Times are ISO 8601 with an offset (2026-12-01T10:00:00Z); --starts-at
  defaults to now, --per-user-limit to 1, --payment-window-seconds to 900. The
  rules are those of POST /v1/sales.
`,
  fleet: `usage: flashsale fleet up [--api N] [--workers M] [--port P] [--fresh] ...
  A cluster-shape fleet on this machine: Redis and PostgreSQL from its own
  binaries, N API processes on one port, M workers (flashsale fleet --help).
`,
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const USAGE = `usage: flashsale <command> [options]   (flashsale <command> --help for one)

  token          prints a token the local server accepts
  dead-letters   lists or redrives parked order events
  sale           creates or shows a sale
  fleet          a cluster-shape fleet on this machine (Redis, PostgreSQL, API, workers)
  --version      the version
  --help         this text

Commands other than token open the store directly: the one BACKEND (and
REDIS_URL, DATABASE_URL, ... for the cluster shape, DATA_DIR for the embedded
one) names in the environment, as for the server.
`;
