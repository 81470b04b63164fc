import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { PortalClient, type ClientOptions, type Session } from "./client.js";

interface PortalContextValue {
  client: PortalClient;
  session: Session | null;
  canWrite: boolean;
  error: Error | null;
}

const PortalContext = createContext<PortalContextValue | null>(null);

export interface HookrelayPortalProps extends ClientOptions {
  /** A portal token (`whpt_...`): a magic-link token or a long-lived one. */
  token: string;
  children?: ReactNode;
}

/** Provides the Portal API, authorized by `token`, to the components inside. */
export function HookrelayPortal({ token, baseUrl, fetch, timeoutMs, children }: HookrelayPortalProps) {
  const client = useMemo(() => new PortalClient(token, { baseUrl, fetch, timeoutMs }), [token, baseUrl, fetch, timeoutMs]);
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let live = true;
    setSession(null);
    setError(null);
    if (!token) {
      // Plain JavaScript callers can pass nothing (a link answer without `token`).
      setError(new Error("No portal token was given to <HookrelayPortal token={...}>."));
      return;
    }
    client.session().then(
      (s) => live && setSession(s),
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [client, token]);
  const value = useMemo(
    () => ({ client, session, canWrite: session?.scopes.includes("write") ?? false, error }),
    [client, session, error],
  );
  return (
    <PortalContext.Provider value={value}>
      <div className="hookrelay-portal">
        {error ? (
          <p role="alert" className="hookrelay-error">
            {error.message}
          </p>
        ) : session ? (
          children
        ) : (
          <p className="hookrelay-loading">Loading…</p>
        )}
      </div>
    </PortalContext.Provider>
  );
}

/** The name the seed's examples use (Hookbase's component). */
export const HookbasePortal = HookrelayPortal;

/** The portal's client and session, inside `<HookrelayPortal>`. */
export function usePortal(): PortalContextValue {
  const value = useContext(PortalContext);
  if (!value) throw new Error("usePortal must be used inside <HookrelayPortal>");
  return value;
}
