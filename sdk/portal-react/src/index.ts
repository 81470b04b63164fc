export { HookrelayPortal, HookbasePortal, usePortal, type HookrelayPortalProps } from "./portal.js";
export { EndpointList } from "./EndpointList.js";
export { MessageLog } from "./MessageLog.js";
export * from "./client.js";
