export * from "./backup-plan";
