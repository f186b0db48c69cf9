export * from "./backup-plan";
export * from "./config";
export * from "./module";
