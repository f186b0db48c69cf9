export * from "./network";
export * from "./config";
export * from "./public-certificate";
export * from "./load-balancer-log-bucket";
export * from "./module";
