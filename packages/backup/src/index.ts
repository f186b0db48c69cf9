export * from "./backup-plan";
export * from "./config";
