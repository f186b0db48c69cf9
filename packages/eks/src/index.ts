export * from "./eks-cluster";
export * from "./node-group";
export * from "./service-account-role";
export * from "./config";
export * from "./module";
