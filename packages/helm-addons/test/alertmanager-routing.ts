/**
 * Alertmanager's routing and inhibition, as far as the add-on's configuration uses them
 * (https://prometheus.io/docs/alerting/latest/configuration/): a test asks which receiver an
 * alert's labels reach and whether a firing alert silences another, instead of restating the
 * route tree.
 */
export type Labels = Readonly<Record<string, string>>;

interface Route {
  readonly receiver?: string;
  readonly matchers?: readonly string[];
  readonly continue?: boolean;
  readonly routes?: readonly Route[];
}

interface InhibitRule {
  readonly source_matchers?: readonly string[];
  readonly target_matchers?: readonly string[];
  readonly equal?: readonly string[];
}

/** The parts of an Alertmanager configuration these helpers read. */
export interface AlertmanagerConfig {
  readonly route: Route;
  readonly inhibit_rules?: readonly InhibitRule[];
}

/** Whether `labels` satisfy one matcher (`name = value`, `!=`, `=~ regex`, `!~`; regexes are anchored, a missing label is ""). */
function matches(matcher: string, labels: Labels): boolean {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(matcher);
  if (!m) throw new Error(`not a matcher: ${matcher}`);
  const [, name, op, value] = m;
  const actual = labels[name] ?? "";
  switch (op) {
    case "=":
      return actual === value;
    case "!=":
      return actual !== value;
    case "=~":
      return new RegExp(`^(?:${value})$`).test(actual);
    default:
      return !new RegExp(`^(?:${value})$`).test(actual);
  }
}

const matchAll = (matchers: readonly string[] | undefined, labels: Labels) => (matchers ?? []).every((m) => matches(m, labels));

/** The receivers an alert with `labels` is sent to: the deepest matching routes, inheriting receivers from their parents. */
export function receiversFor(config: AlertmanagerConfig, labels: Labels): string[] {
  const walk = (route: Route, inherited: string): string[] => {
    const receiver = route.receiver ?? inherited;
    const found: string[] = [];
    for (const child of route.routes ?? []) {
      if (!matchAll(child.matchers, labels)) continue;
      found.push(...walk(child, receiver));
      if (!child.continue) break;
    }
    return found.length > 0 ? found : [receiver];
  };
  return walk(config.route, config.route.receiver ?? "");
}

/** Whether `target` is silenced while the alerts of `firing` fire (an alert never silences itself). */
export function isInhibited(config: AlertmanagerConfig, target: Labels, firing: readonly Labels[]): boolean {
  return (config.inhibit_rules ?? []).some(
    (rule) =>
      matchAll(rule.target_matchers, target) &&
      firing.some((source) => source !== target && matchAll(rule.source_matchers, source) && (rule.equal ?? []).every((l) => (source[l] ?? "") === (target[l] ?? ""))),
  );
}
