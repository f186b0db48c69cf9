/** The commands of `node dist/main.js <command>` (what the image, compose and Kubernetes call). */
export const COMMANDS = ["serve", "migrate", "healthcheck"] as const;
export type Command = (typeof COMMANDS)[number];
