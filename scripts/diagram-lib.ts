/**
 * The architecture diagrams (`npm run diagram`, scripts/diagram.ts), as pure functions: what an
 * environment's synthesized stacks hold ({@link environmentModel}), drawn as Graphviz DOT
 * ({@link renderDot}) and Mermaid ({@link renderMermaid}), the DOT's sha256 embedded in the
 * rendered SVG (an XML comment) and PNG (tEXt chunks, {@link withPngText}), and the drift check
 * ({@link diagramDrift}).
 *
 * Everything drawn is read from the Terraform JSON, never from a list written here: subnets
 * (`aws_subnet`, tier from the `tier` tag, zone from `availability_zone`), NAT gateways and which
 * private subnets route through them (`aws_route` + `aws_route_table_association`), the cluster,
 * its node groups and managed add-ons, every `helm_release` by namespace, the Deployments and Jobs,
 * the ALBs the load balancer controller makes from the `kubernetes_ingress_v1` resources (one per
 * `group.name` annotation, scheme from `scheme`, hosts and backends from the rules), the
 * workloads' connections from their NetworkPolicies' egress rules, Prometheus' scrapes from the
 * ServiceMonitors in raw-chart releases, ExternalDNS' zone from its `--zone-id-filter`, the
 * Cluster Autoscaler's node groups from its auto-discovery tags, and backups from the backup
 * selection's tags and the plan's copy actions.
 */
import { createHash } from "node:crypto";
import { parse as parseYaml } from "yaml";

/** Synthesized Terraform JSON, as far as the diagram reads it. */
export interface TfJson {
  provider?: Record<string, Record<string, unknown>[]>;
  resource?: Record<string, Record<string, Attrs>>;
  data?: Record<string, Record<string, Attrs>>;
}
// Terraform JSON attributes are free-form; the readers below check the shapes they use.
type Attrs = Record<string, any>;

/** One synthesized stack: its name and JSON. */
export interface StackJson {
  readonly name: string;
  readonly json: TfJson;
}

/** A resource of one stack: `<type>.<name>` and its attributes. */
interface Found {
  readonly stack: StackJson;
  readonly type: string;
  readonly name: string;
  readonly attrs: Attrs;
}

export interface SubnetModel {
  readonly address: string;
  readonly name: string;
  readonly tier: string;
  readonly zone: string;
  readonly cidr: string;
  /** The NAT gateway (its address) the subnet's default route goes through, if any. */
  readonly natGateway?: string;
}

export interface NatGatewayModel {
  readonly address: string;
  readonly name: string;
  /** The public subnet (its address) the NAT gateway sits in. */
  readonly subnet: string;
}

export interface NodeGroupModel {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly capacityType: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Tag keys, with the cluster's name in place of a reference to it. */
  readonly tagKeys: readonly string[];
}

export interface ReleaseModel {
  readonly name: string;
  readonly chart: string;
  readonly namespace: string;
  readonly stack: string;
  /** The kinds of the manifests a raw-chart release holds (empty for other charts). */
  readonly kinds: readonly string[];
}

export interface WorkloadModel {
  readonly kind: "Deployment" | "Job";
  /** The `app.kubernetes.io/name` label (a Job's own name carries a content hash). */
  readonly app: string;
  readonly namespace: string;
  readonly replicas?: string;
  readonly autoscaling?: { readonly min: number; readonly max: number };
}

export interface RouteModel {
  readonly host: string;
  readonly path: string;
  readonly service: string;
}

export interface LoadBalancerModel {
  /** The Ingress group (`alb.ingress.kubernetes.io/group.name`), or the Ingress's name. */
  readonly group: string;
  readonly scheme: string;
  readonly ingressClass: string;
  readonly hosts: readonly string[];
  readonly routes: readonly RouteModel[];
  readonly listeners: readonly string[];
  /** The subnet tier the controller places it in (subnets tagged for its scheme). */
  readonly tier?: string;
  readonly certificate: boolean;
}

export interface FlowModel {
  readonly from: string;
  /** A workload's app label, or `database`. */
  readonly to: string;
  readonly ports: readonly string[];
}

export interface ScrapeModel {
  readonly scraper: string;
  readonly target: string;
  readonly path: string;
}

export interface DatabaseModel {
  readonly identifier: string;
  readonly engine: string;
  readonly version: string;
  readonly instanceClass: string;
  readonly multiAz: boolean;
  readonly tier?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface BackupVaultModel {
  readonly address: string;
  readonly name: string;
  readonly region: string;
  readonly rules: readonly string[];
  readonly copiesTo: readonly string[];
  /** What the backup selection picks by tag: `database` when the DB instance carries it. */
  readonly protects: readonly string[];
}

/** What one environment's stacks hold, as the diagram draws it. */
export interface EnvironmentModel {
  readonly environment: string;
  readonly region: string;
  readonly vpc: { readonly name: string; readonly cidr: string };
  readonly internetGateway?: string;
  readonly subnets: readonly SubnetModel[];
  readonly natGateways: readonly NatGatewayModel[];
  readonly cluster: { readonly name: string; readonly version: string };
  readonly nodeGroups: readonly NodeGroupModel[];
  readonly eksAddons: readonly string[];
  readonly releases: readonly ReleaseModel[];
  readonly namespaces: readonly string[];
  readonly workloads: readonly WorkloadModel[];
  readonly loadBalancers: readonly LoadBalancerModel[];
  readonly flows: readonly FlowModel[];
  readonly scrapes: readonly ScrapeModel[];
  /** Release names → what they manage: ExternalDNS → the zone, the autoscaler → node groups, the controller → ALB groups. */
  readonly dnsWriters: readonly string[];
  readonly autoscaling: readonly { readonly release: string; readonly nodeGroups: readonly string[] }[];
  readonly controllers: readonly { readonly release: string; readonly ingressClass: string }[];
  readonly database?: DatabaseModel;
  readonly repositories: readonly string[];
  readonly backupVaults: readonly BackupVaultModel[];
  readonly zone?: { readonly id: string; readonly name: string };
  readonly certificate?: { readonly domain: string; readonly alternativeNames: readonly string[] };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort(byText);

function all(stacks: readonly StackJson[], type: string): Found[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.json.resource?.[type] ?? {})
      .map(([name, attrs]) => ({ stack, type, name, attrs }))
      .sort((a, b) => byText(a.name, b.name)),
  );
}

const address = (f: Pick<Found, "type" | "name">) => `${f.type}.${f.name}`;
const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const first = <T>(value: T | T[] | undefined): T | undefined => asList(value)[0];
/** The `<type>.<name>` a `${<type>.<name>.<attr>}` reference names, or undefined. */
const referenced = (value: unknown): string | undefined =>
  typeof value === "string" ? /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)[.[]/.exec(value)?.[1] : undefined;

/** A namespace attribute, with a reference to a `kubernetes_namespace_v1` resolved to its name. */
function namespaceOf(stack: StackJson, value: unknown): string {
  const ref = referenced(value);
  if (ref) {
    const [type, name] = ref.split(".");
    const target = stack.json.resource?.[type]?.[name];
    const resolved = first(target?.metadata)?.name;
    if (typeof resolved === "string") return resolved;
  }
  return typeof value === "string" ? value : "default";
}

/** The YAML documents of a release's `values` (unresolved tokens stay as text). */
function releaseValues(release: Attrs): Attrs {
  const merged: Attrs = {};
  for (const text of asList<string>(release.values)) Object.assign(merged, (parseYaml(text) as Attrs | null) ?? {});
  return merged;
}

const appLabel = (labels: unknown): string | undefined =>
  labels && typeof labels === "object" ? (labels as Record<string, string>)["app.kubernetes.io/name"] : undefined;

/**
 * What one environment's stacks hold. `stacks` are the environment's stacks (infra, platform,
 * apps; any order): references are resolved within the stack they appear in.
 */
export function environmentModel(environment: string, stacks: readonly StackJson[]): EnvironmentModel {
  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`diagram: environment ${environment} has no ${what} in its stacks (${stacks.map((s) => s.name).join(", ")})`);
    return value;
  };
  const vpc = must(all(stacks, "aws_vpc")[0], "aws_vpc");
  const cluster = must(all(stacks, "aws_eks_cluster")[0], "aws_eks_cluster");
  const clusterName = String(cluster.attrs.name);
  const awsProvider = first(vpc.stack.json.provider?.aws?.filter((p) => p.alias === undefined));
  const region = String(awsProvider?.region ?? "unknown region");

  // Network: subnets, the NAT gateway each default route uses, NAT gateways.
  const routeTableOfSubnet = new Map<string, string>();
  for (const assoc of all(stacks, "aws_route_table_association")) {
    const subnet = referenced(assoc.attrs.subnet_id);
    const table = referenced(assoc.attrs.route_table_id);
    if (subnet && table) routeTableOfSubnet.set(subnet, table);
  }
  const natOfRouteTable = new Map<string, string>();
  for (const route of all(stacks, "aws_route")) {
    const table = referenced(route.attrs.route_table_id);
    const nat = referenced(route.attrs.nat_gateway_id);
    if (table && nat && route.attrs.destination_cidr_block === "0.0.0.0/0") natOfRouteTable.set(table, nat);
  }
  const tierRank = (tier: string) => ["public", "private", "database"].indexOf(tier) + 1 || 9;
  const subnets: SubnetModel[] = all(stacks, "aws_subnet")
    .map((s) => {
      const table = routeTableOfSubnet.get(address(s));
      const natGateway = table ? natOfRouteTable.get(table) : undefined;
      return {
        address: address(s),
        name: String(s.attrs.tags?.Name ?? s.name),
        tier: String(s.attrs.tags?.tier ?? "other"),
        zone: String(s.attrs.availability_zone),
        cidr: String(s.attrs.cidr_block),
        ...(natGateway ? { natGateway } : {}),
      };
    })
    .sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || byText(a.tier, b.tier) || byText(a.zone, b.zone) || byText(a.name, b.name));
  const natGateways: NatGatewayModel[] = all(stacks, "aws_nat_gateway").map((n) => ({
    address: address(n),
    name: String(n.attrs.tags?.Name ?? n.name),
    subnet: referenced(n.attrs.subnet_id) ?? "",
  }));
  const igw = all(stacks, "aws_internet_gateway")[0];

  // The cluster.
  const withClusterName = (key: string) => key.replace(/\$\{aws_eks_cluster\.[^}]+\.name\}/g, clusterName);
  const nodeGroups: NodeGroupModel[] = all(stacks, "aws_eks_node_group")
    .map((g) => ({
      name: String(g.attrs.node_group_name ?? String(g.attrs.node_group_name_prefix ?? g.name).replace(/-$/, "")),
      instanceTypes: asList<string>(g.attrs.instance_types),
      capacityType: String(g.attrs.capacity_type ?? "ON_DEMAND"),
      minSize: Number(first<Attrs>(g.attrs.scaling_config)?.min_size),
      maxSize: Number(first<Attrs>(g.attrs.scaling_config)?.max_size),
      tagKeys: Object.keys(g.attrs.tags ?? {}).map(withClusterName).sort(byText),
    }))
    .sort((a, b) => byText(a.name, b.name));
  const eksAddons = sortedUnique(all(stacks, "aws_eks_addon").map((a) => String(a.attrs.addon_name)));

  // Helm releases and the manifests of raw-chart releases.
  const manifests: { release: string; doc: Attrs }[] = [];
  const valuesOf = new Map<string, Attrs>();
  const releases: ReleaseModel[] = all(stacks, "helm_release")
    .map((r) => {
      const values = releaseValues(r.attrs);
      valuesOf.set(String(r.attrs.name), values);
      const docs = String(r.attrs.chart) === "raw" ? asList<Attrs>(values.resources) : [];
      for (const doc of docs) manifests.push({ release: String(r.attrs.name), doc });
      return {
        name: String(r.attrs.name),
        chart: String(r.attrs.chart),
        namespace: namespaceOf(r.stack, r.attrs.namespace),
        stack: r.stack.name,
        kinds: sortedUnique(docs.map((d) => String(d.kind))),
      };
    })
    .sort((a, b) => byText(a.namespace, b.namespace) || byText(a.name, b.name));
  const byChart = (chart: string) => releases.filter((r) => r.chart === chart).map((r) => r.name);

  // Workloads.
  const autoscalers = new Map<string, { min: number; max: number }>();
  for (const hpa of all(stacks, "kubernetes_horizontal_pod_autoscaler_v2")) {
    const spec = first<Attrs>(hpa.attrs.spec) ?? {};
    const target = first<Attrs>(spec.scale_target_ref);
    if (target?.kind === "Deployment") autoscalers.set(String(target.name), { min: Number(spec.min_replicas), max: Number(spec.max_replicas) });
  }
  const workloads: WorkloadModel[] = [
    ...all(stacks, "kubernetes_deployment_v1").map((d): WorkloadModel => {
      const meta = first<Attrs>(d.attrs.metadata) ?? {};
      const spec = first<Attrs>(d.attrs.spec) ?? {};
      const name = String(meta.name);
      const autoscaling = autoscalers.get(name);
      return {
        kind: "Deployment",
        app: appLabel(first<Attrs>(first<Attrs>(spec.template)?.metadata)?.labels) ?? name,
        namespace: namespaceOf(d.stack, meta.namespace),
        ...(spec.replicas !== undefined ? { replicas: String(spec.replicas) } : {}),
        ...(autoscaling ? { autoscaling } : {}),
      };
    }),
    ...all(stacks, "kubernetes_job_v1").map((j): WorkloadModel => {
      const meta = first<Attrs>(j.attrs.metadata) ?? {};
      return { kind: "Job", app: appLabel(meta.labels) ?? String(meta.name), namespace: namespaceOf(j.stack, meta.namespace) };
    }),
  ].sort((a, b) => byText(a.namespace, b.namespace) || byText(a.kind, b.kind) || byText(a.app, b.app));
  const workloadApps = new Set(workloads.map((w) => w.app));

  // The ALBs the controller makes from the Ingresses: one per group.
  const tierForScheme = (scheme: string) => {
    const role = scheme === "internal" ? "kubernetes.io/role/internal-elb" : "kubernetes.io/role/elb";
    return all(stacks, "aws_subnet").find((s) => s.attrs.tags?.[role] === "1")?.attrs.tags?.tier as string | undefined;
  };
  const groups = new Map<string, { scheme: string; ingressClass: string; routes: RouteModel[]; listeners: Set<string>; certificate: boolean }>();
  for (const ingress of all(stacks, "kubernetes_ingress_v1")) {
    const meta = first<Attrs>(ingress.attrs.metadata) ?? {};
    const spec = first<Attrs>(ingress.attrs.spec) ?? {};
    const annotations: Record<string, string> = meta.annotations ?? {};
    const group = annotations["alb.ingress.kubernetes.io/group.name"] ?? String(meta.name);
    const entry = groups.get(group) ?? {
      scheme: annotations["alb.ingress.kubernetes.io/scheme"] ?? "internal",
      ingressClass: String(spec.ingress_class_name ?? ""),
      routes: [],
      listeners: new Set<string>(),
      certificate: false,
    };
    const listenPorts = annotations["alb.ingress.kubernetes.io/listen-ports"];
    if (listenPorts) for (const port of JSON.parse(listenPorts) as Record<string, number>[]) for (const [proto, n] of Object.entries(port)) entry.listeners.add(`${proto} ${n}`);
    if (annotations["alb.ingress.kubernetes.io/certificate-arn"]) entry.certificate = true;
    for (const rule of asList<Attrs>(spec.rule)) {
      for (const path of asList<Attrs>(first<Attrs>(rule.http)?.path)) {
        const service = first<Attrs>(first<Attrs>(path.backend)?.service)?.name;
        if (service) entry.routes.push({ host: String(rule.host ?? "*"), path: String(path.path ?? "/"), service: String(service) });
      }
    }
    groups.set(group, entry);
  }
  const loadBalancers: LoadBalancerModel[] = [...groups.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([group, g]) => {
      const tier = tierForScheme(g.scheme);
      return {
        group,
        scheme: g.scheme,
        ingressClass: g.ingressClass,
        hosts: sortedUnique(g.routes.map((r) => r.host)),
        routes: [...g.routes].sort((a, b) => byText(a.service, b.service) || byText(a.host, b.host) || byText(a.path, b.path)),
        listeners: sortedUnique(g.listeners),
        ...(tier ? { tier } : {}),
        certificate: g.certificate,
      };
    });

  // Database and where it lives.
  const dbFound = all(stacks, "aws_db_instance")[0];
  const dbSubnets = new Set(
    all(stacks, "aws_db_subnet_group").flatMap((g) => asList<string>(g.attrs.subnet_ids).map(referenced).filter((s): s is string => !!s)),
  );
  const dbCidrs = new Set(subnets.filter((s) => dbSubnets.has(s.address)).map((s) => s.cidr));
  const database: DatabaseModel | undefined = dbFound && {
    identifier: String(dbFound.attrs.identifier ?? dbFound.name),
    engine: String(dbFound.attrs.engine),
    version: String(dbFound.attrs.engine_version ?? ""),
    instanceClass: String(dbFound.attrs.instance_class),
    multiAz: dbFound.attrs.multi_az === true,
    ...(subnets.find((s) => dbSubnets.has(s.address)) ? { tier: subnets.find((s) => dbSubnets.has(s.address))!.tier } : {}),
    tags: dbFound.attrs.tags ?? {},
  };

  // Connections from the NetworkPolicies' egress rules: to a workload by pod selector, to the
  // database by the database subnets' CIDRs. DNS (kube-system) is left out: every pod has it.
  const flows = new Map<string, Set<string>>();
  for (const policy of all(stacks, "kubernetes_network_policy_v1")) {
    const spec = first<Attrs>(policy.attrs.spec) ?? {};
    const from = appLabel(first<Attrs>(spec.pod_selector)?.match_labels);
    if (!from || !workloadApps.has(from)) continue;
    for (const egress of asList<Attrs>(spec.egress)) {
      const ports = asList<Attrs>(egress.port ?? egress.ports).map((p) => String(p.port));
      for (const peer of asList<Attrs>(egress.to)) {
        let to: string | undefined;
        const peerApp = appLabel(first<Attrs>(peer.pod_selector)?.match_labels);
        if (peerApp && !peer.namespace_selector && workloadApps.has(peerApp)) to = peerApp;
        const cidr = first<Attrs>(peer.ip_block)?.cidr;
        if (database && cidr && dbCidrs.has(String(cidr))) to = "database";
        if (!to) continue;
        const key = `${from}\u0000${to}`;
        const set = flows.get(key) ?? new Set<string>();
        for (const port of ports) set.add(port);
        flows.set(key, set);
      }
    }
  }
  const flowList: FlowModel[] = [...flows.entries()]
    .map(([key, ports]) => {
      const [from, to] = key.split("\u0000");
      return { from, to, ports: sortedUnique(ports) };
    })
    .sort((a, b) => byText(a.from, b.from) || byText(a.to, b.to));

  // Prometheus scrapes: ServiceMonitors select Services by label; the Service's app is the target.
  const prometheus = byChart("kube-prometheus-stack");
  const scrapes: ScrapeModel[] = manifests
    .filter((m) => m.doc.kind === "ServiceMonitor")
    .flatMap((m) => {
      const target = appLabel(m.doc.spec?.selector?.matchLabels);
      const path = String(asList<Attrs>(m.doc.spec?.endpoints)[0]?.path ?? "/metrics");
      return target && workloadApps.has(target) ? prometheus.map((scraper) => ({ scraper, target, path })) : [];
    })
    .sort((a, b) => byText(a.target, b.target));

  // What the add-ons manage.
  const zoneFound = Object.entries(stacks.find((s) => s.json.data?.aws_route53_zone)?.json.data?.aws_route53_zone ?? {})[0]?.[1];
  const zoneId = zoneFound?.zone_id as string | undefined;
  const zoneName =
    (zoneFound?.name as string | undefined) ??
    /self\.name == \\?"([^"\\]+)\\?"/.exec(JSON.stringify(zoneFound?.lifecycle ?? {}))?.[1] ??
    zoneId;
  const dnsWriters = byChart("external-dns").filter((name) => {
    const values = valuesOf.get(name) ?? {};
    const args = asList<string>(values.extraArgs).map(String);
    return zoneId !== undefined && (args.includes(`--zone-id-filter=${zoneId}`) || asList<string>(values.domainFilters).includes(String(zoneName)));
  });
  const autoscaling = byChart("cluster-autoscaler").map((release) => {
    const tags = asList<string>(valuesOf.get(release)?.autoDiscovery?.tags).map(String);
    return { release, nodeGroups: nodeGroups.filter((g) => tags.length > 0 && tags.every((t) => g.tagKeys.includes(t))).map((g) => g.name) };
  });
  const controllers = byChart("aws-load-balancer-controller").map((release) => ({
    release,
    // The chart's IngressClass is `alb` unless its values name another.
    ingressClass: String(valuesOf.get(release)?.ingressClass ?? "alb"),
  }));

  // Registry, backups, DNS zone, certificate.
  const repositories = sortedUnique(all(stacks, "aws_ecr_repository").map((r) => String(r.attrs.name)));
  const providerRegion = (stack: StackJson, alias: unknown) => {
    const alias_ = typeof alias === "string" ? alias.replace(/^aws\./, "") : undefined;
    const p = stack.json.provider?.aws?.find((x) => x.alias === alias_);
    return String(p?.region ?? region);
  };
  const plans = all(stacks, "aws_backup_plan");
  const selections = all(stacks, "aws_backup_selection");
  const backupVaults: BackupVaultModel[] = all(stacks, "aws_backup_vault").map((v) => {
    const rules = plans.flatMap((p) => asList<Attrs>(p.attrs.rule)).filter((rule) => referenced(rule.target_vault_name) === address(v));
    const planOfVault = plans.filter((p) => asList<Attrs>(p.attrs.rule).some((rule) => referenced(rule.target_vault_name) === address(v)));
    const picksDatabase = selections
      .filter((s) => planOfVault.some((p) => referenced(s.attrs.plan_id) === address(p)))
      .some((s) => asList<Attrs>(s.attrs.selection_tag).some((t) => database !== undefined && database.tags[String(t.key)] === String(t.value)));
    return {
      address: address(v),
      name: String(v.attrs.name),
      region: providerRegion(v.stack, v.attrs.provider),
      rules: sortedUnique(rules.map((r) => String(r.rule_name))),
      copiesTo: sortedUnique(rules.flatMap((r) => asList<Attrs>(r.copy_action)).map((c) => referenced(c.destination_vault_arn)).filter((x): x is string => !!x)),
      protects: picksDatabase ? ["database"] : [],
    };
  });
  const cert = all(stacks, "aws_acm_certificate")[0];

  return {
    environment,
    region,
    vpc: { name: String(vpc.attrs.tags?.Name ?? vpc.name), cidr: String(vpc.attrs.cidr_block) },
    ...(igw ? { internetGateway: String(igw.attrs.tags?.Name ?? igw.name) } : {}),
    subnets,
    natGateways,
    cluster: { name: clusterName, version: String(cluster.attrs.version ?? "") },
    nodeGroups,
    eksAddons,
    releases,
    namespaces: sortedUnique([...releases.map((r) => r.namespace), ...workloads.map((w) => w.namespace)]),
    workloads,
    loadBalancers,
    flows: flowList,
    scrapes,
    dnsWriters,
    autoscaling,
    controllers,
    ...(database ? { database } : {}),
    repositories,
    backupVaults,
    ...(zoneId ? { zone: { id: zoneId, name: String(zoneName) } } : {}),
    ...(cert ? { certificate: { domain: String(cert.attrs.domain_name), alternativeNames: asList<string>(cert.attrs.subject_alternative_names) } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The drawing: nodes, clusters and edges, shared by the DOT and Mermaid renderers.

export type EdgeKind = "traffic" | "control" | "data";

export interface DiagramNode {
  readonly id: string;
  readonly label: readonly string[];
  readonly shape: "box" | "cylinder" | "ellipse" | "note" | "folder" | "component";
  readonly fill?: string;
  /** The column (Graphviz rank, left to right) the node is drawn in. */
  readonly rank?: number;
}

export interface DiagramCluster {
  readonly id: string;
  readonly label: string;
  readonly fill: string;
  readonly nodes: readonly DiagramNode[];
  readonly clusters: readonly DiagramCluster[];
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly kind: EdgeKind;
}

export interface Diagram {
  readonly title: string;
  readonly nodes: readonly DiagramNode[];
  readonly clusters: readonly DiagramCluster[];
  readonly edges: readonly DiagramEdge[];
}

/** A DOT/Mermaid-safe id: letters, digits and underscores. */
export const nodeId = (...parts: string[]) => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");

const zoneSuffix = (zone: string, region: string) => (zone.startsWith(region) ? zone.slice(region.length) : zone);

/** A host relative to the environment's domain when it is under it (`www` for `www.qod.example.com`). */
function shortHost(host: string, domain: string | undefined): string {
  return domain && host.endsWith(`.${domain}`) ? host.slice(0, -domain.length - 1) : host;
}

/** Fill colours of the clusters. */
const COLORS = {
  region: "#f7f7f7",
  vpc: "#eef5ff",
  public: "#e6f4e6",
  private: "#e8f0fb",
  database: "#fdf3dc",
  other: "#f0f0f0",
  eks: "#fff1e0",
  namespace: "#ffffff",
  dr: "#f2eefb",
  global: "#f7f7f7",
};

/**
 * The diagram of one environment: what {@link renderDot} and {@link renderMermaid} draw. Nodes get
 * a column (`rank`) so the picture reads left to right along the request path: internet, internet
 * gateway, public tier (ALB, NAT gateways), private tier (the cluster: Ingress backends first,
 * then what they call, the add-ons beside them), database tier, then the backup vaults.
 */
export function buildDiagram(m: EnvironmentModel): Diagram {
  const domain = m.certificate?.domain ?? m.zone?.name;
  const subnetId = (s: SubnetModel) => nodeId("subnet", s.tier, zoneSuffix(s.zone, m.region));
  const natById = new Map(m.natGateways.map((n) => [n.address, n]));
  const subnetByAddress = new Map(m.subnets.map((s) => [s.address, s]));
  const natZone = (n: NatGatewayModel) => zoneSuffix(subnetByAddress.get(n.subnet)?.zone ?? n.name, m.region);
  const natId = (n: NatGatewayModel) => nodeId("nat", natZone(n));
  const albId = (lb: LoadBalancerModel) => nodeId("alb", lb.group);
  const releaseId = (name: string) => nodeId("release", name);
  const workloadId = (app: string) => nodeId("workload", app);
  const vaultId = (v: BackupVaultModel) => nodeId("vault", v.name);
  const edges: DiagramEdge[] = [];

  // Columns. Workloads: Ingress backends first, then one column further per hop of their flows.
  const depth = new Map<string, number>();
  for (const lb of m.loadBalancers) for (const r of lb.routes) depth.set(r.service, 0);
  for (let pass = 0; pass < m.workloads.length; pass++) {
    for (const f of m.flows) {
      const from = depth.get(f.from);
      if (f.to !== "database" && from !== undefined && (depth.get(f.to) ?? -1) < from + 1) depth.set(f.to, from + 1);
    }
  }
  for (const w of m.workloads) if (!depth.has(w.app)) depth.set(w.app, 1);
  const tiers = [...new Set(m.subnets.map((s) => s.tier))];
  const nodeTier = m.subnets.find((s) => s.tier === "private")?.tier ?? tiers[tiers.length - 1];
  const clusterWidth = Math.max(2, ...[...depth.values()].map((d) => d + 1));
  const tierColumn = new Map<string, number>();
  let column = 2;
  for (const tier of tiers) {
    tierColumn.set(tier, column);
    column += tier === nodeTier ? clusterWidth : 1;
  }
  const clusterColumn = tierColumn.get(nodeTier) ?? 2;
  const afterTiers = column;
  const platformNamespaces = m.namespaces.filter((ns) => !m.workloads.some((w) => w.namespace === ns));
  const namespaceColumn = (ns: string) => {
    const workloads = m.workloads.filter((w) => w.namespace === ns);
    if (workloads.length > 0) return clusterColumn + Math.min(...workloads.map((w) => depth.get(w.app) ?? 0));
    return clusterColumn + (platformNamespaces.indexOf(ns) % clusterWidth);
  };

  const eksCluster: DiagramCluster = {
    id: "cluster_eks",
    label: `EKS ${m.cluster.name} (Kubernetes ${m.cluster.version})`,
    fill: COLORS.eks,
    nodes: [
      ...m.nodeGroups.map((g) => ({
        id: nodeId("nodegroup", g.name),
        label: [`node group ${g.name}`, `${g.instanceTypes.join(", ")} · ${g.minSize}–${g.maxSize} nodes`, g.capacityType.toLowerCase().replace("_", "-")],
        shape: "component" as const,
        rank: clusterColumn + clusterWidth - 1,
      })),
      { id: "eks_addons", label: ["EKS add-ons", ...m.eksAddons], shape: "folder" as const, rank: clusterColumn + clusterWidth - 1 },
    ],
    clusters: m.namespaces.map((ns) => {
      const releases = m.releases.filter((r) => r.namespace === ns);
      const raw = releases.filter((r) => r.kinds.length > 0);
      const nsColumn = namespaceColumn(ns);
      const nodes: DiagramNode[] = [
        ...m.workloads
          .filter((w) => w.namespace === ns)
          .map((w) => ({
            id: workloadId(w.app),
            label: [
              w.kind === "Job" ? `${w.app} (Job)` : w.app,
              w.autoscaling ? `${w.autoscaling.min}–${w.autoscaling.max} pods (HPA)` : w.replicas ? `${w.replicas} pod${w.replicas === "1" ? "" : "s"}` : "once per release",
            ],
            shape: "box" as const,
            rank: clusterColumn + (depth.get(w.app) ?? 0),
          })),
        ...releases.filter((r) => r.kinds.length === 0).map((r) => ({ id: releaseId(r.name), label: [r.name], shape: "box" as const, rank: nsColumn })),
        ...(raw.length > 0
          ? [{ id: nodeId("manifests", ns), label: raw.map((r) => `${r.name}: ${r.kinds.join(", ")}`), shape: "note" as const, fill: "#fffde8", rank: nsColumn }]
          : []),
      ];
      return { id: nodeId("cluster_ns", ns), label: `namespace ${ns}`, fill: COLORS.namespace, nodes, clusters: [] };
    }),
  };

  // Subnet tiers: subnets per zone (with the NAT gateway their default route uses), the NAT
  // gateways, the ALBs in the tier their scheme selects, the cluster in the private tier, the database.
  const tierClusters: DiagramCluster[] = tiers.map((tier) => {
    const at = tierColumn.get(tier)!;
    const nodes: DiagramNode[] = [
      ...m.subnets
        .filter((s) => s.tier === tier)
        .map((s) => {
          const nat = s.natGateway ? natById.get(s.natGateway) : undefined;
          const label = [`${tier} ${zoneSuffix(s.zone, m.region)}`, s.cidr, ...(nat ? [`out via NAT ${natZone(nat)}`] : [])];
          return { id: subnetId(s), label, shape: "box" as const, rank: at };
        }),
      ...m.natGateways
        .filter((n) => subnetByAddress.get(n.subnet)?.tier === tier)
        .map((n) => ({ id: natId(n), label: [`NAT gateway ${natZone(n)}`], shape: "box" as const, rank: at })),
      ...m.loadBalancers
        .filter((lb) => lb.tier === tier)
        .map((lb) => ({ id: albId(lb), label: [`ALB ${lb.group}`, lb.scheme, ...lb.hosts], shape: "box" as const, fill: "#ffe9c7", rank: at })),
      ...(m.database?.tier === tier
        ? [
            {
              id: "database",
              label: [`RDS ${m.database.engine} ${m.database.version}`, m.database.identifier, `${m.database.instanceClass} · ${m.database.multiAz ? "Multi-AZ" : "single-AZ"}`],
              shape: "cylinder" as const,
              fill: "#ffffff",
              rank: at,
            },
          ]
        : []),
    ];
    return { id: nodeId("cluster_tier", tier), label: `${tier} subnets`, fill: COLORS[tier as keyof typeof COLORS] ?? COLORS.other, nodes, clusters: tier === nodeTier ? [eksCluster] : [] };
  });
  const vpcCluster: DiagramCluster = {
    id: "cluster_vpc",
    label: `VPC ${m.vpc.name} ${m.vpc.cidr}`,
    fill: COLORS.vpc,
    nodes: m.internetGateway ? [{ id: "igw", label: ["internet gateway"], shape: "box", rank: 1 }] : [],
    clusters: tierClusters,
  };

  // Regional services outside the VPC, the global zone, and the vaults of other regions.
  const homeVaults = m.backupVaults.filter((v) => v.region === m.region);
  const otherVaults = m.backupVaults.filter((v) => v.region !== m.region);
  const regional: DiagramNode[] = [
    ...(m.certificate ? [{ id: "acm", label: ["ACM certificate", m.certificate.domain, ...m.certificate.alternativeNames], shape: "note" as const, rank: 1 }] : []),
    ...(m.repositories.length > 0 ? [{ id: "ecr", label: ["ECR", ...m.repositories], shape: "folder" as const, rank: clusterColumn }] : []),
    ...homeVaults.map((v) => ({ id: vaultId(v), label: [`Backup vault ${v.name}`, v.rules.join(" · ")], shape: "cylinder" as const, rank: afterTiers })),
  ];
  const clusters: DiagramCluster[] = [
    { id: "cluster_region", label: `AWS ${m.region}`, fill: COLORS.region, nodes: regional, clusters: [vpcCluster] },
    ...sortedUnique(otherVaults.map((v) => v.region)).map((r) => ({
      id: nodeId("cluster_region", r),
      label: `AWS ${r}`,
      fill: COLORS.dr,
      nodes: otherVaults.filter((v) => v.region === r).map((v) => ({ id: vaultId(v), label: [`Backup vault ${v.name}`], shape: "cylinder" as const, rank: afterTiers + 1 })),
      clusters: [],
    })),
    ...(m.zone
      ? [{ id: "cluster_global", label: "AWS global", fill: COLORS.global, nodes: [{ id: "zone", label: ["Route 53 zone", m.zone.name], shape: "box" as const, rank: afterTiers + 1 }], clusters: [] }]
      : []),
  ];

  // Traffic: internet → ALB → Ingress backends → what their NetworkPolicies let them reach.
  const nodes: DiagramNode[] = [{ id: "internet", label: ["internet"], shape: "ellipse", rank: 0 }];
  for (const lb of m.loadBalancers) {
    if (lb.scheme === "internet-facing") {
      if (m.internetGateway) {
        edges.push({ from: "internet", to: "igw", label: lb.listeners.join("\n"), kind: "traffic" });
        edges.push({ from: "igw", to: albId(lb), kind: "traffic" });
      } else edges.push({ from: "internet", to: albId(lb), label: lb.listeners.join("\n"), kind: "traffic" });
    }
    for (const service of sortedUnique(lb.routes.map((r) => r.service))) {
      const routes = lb.routes.filter((r) => r.service === service);
      const label = sortedUnique(routes.map((r) => shortHost(r.host, domain)))
        .map((host) => `${host} ${routes.filter((r) => shortHost(r.host, domain) === host).map((r) => r.path).join(" ")}`)
        .join("\n");
      edges.push({ from: albId(lb), to: workloadId(service), label, kind: "traffic" });
    }
    if (lb.certificate && m.certificate) edges.push({ from: "acm", to: albId(lb), label: "TLS", kind: "control" });
    for (const c of m.controllers.filter((c) => c.ingressClass === lb.ingressClass)) edges.push({ from: releaseId(c.release), to: albId(lb), label: "creates", kind: "control" });
  }
  for (const f of m.flows) edges.push({ from: workloadId(f.from), to: f.to === "database" ? "database" : workloadId(f.to), label: f.ports.join(", "), kind: "traffic" });
  for (const s of m.scrapes) edges.push({ from: releaseId(s.scraper), to: workloadId(s.target), label: `scrapes ${s.path}`, kind: "data" });
  if (m.zone) for (const w of m.dnsWriters) edges.push({ from: releaseId(w), to: "zone", label: "records", kind: "control" });
  for (const a of m.autoscaling) for (const g of a.nodeGroups) edges.push({ from: releaseId(a.release), to: nodeId("nodegroup", g), label: "scales", kind: "control" });
  for (const v of m.backupVaults) {
    if (v.protects.includes("database") && m.database) edges.push({ from: "database", to: vaultId(v), label: "backups", kind: "data" });
    for (const target of v.copiesTo) {
      const to = m.backupVaults.find((x) => x.address === target);
      if (to) edges.push({ from: vaultId(v), to: vaultId(to), label: "copies", kind: "data" });
    }
  }

  return { title: `${m.environment}: ${m.cluster.name} in ${m.region}`, nodes, clusters, edges };
}

/** Every node id a diagram draws (clusters included, recursively). */
export function diagramNodeIds(d: Diagram): string[] {
  const walk = (c: DiagramCluster): string[] => [...c.nodes.map((n) => n.id), ...c.clusters.flatMap(walk)];
  return [...d.nodes.map((n) => n.id), ...d.clusters.flatMap(walk)];
}

/** Every node label line of a diagram, for tests and the legend. */
export function diagramLabels(d: Diagram): string[] {
  const walk = (c: DiagramCluster): string[] => [c.label, ...c.nodes.flatMap((n) => n.label), ...c.clusters.flatMap(walk)];
  return [...d.nodes.flatMap((n) => n.label), ...d.clusters.flatMap(walk)];
}

// ---------------------------------------------------------------------------------------------
// DOT.

const FONT = "DejaVu Sans";
const EDGE_STYLE: Record<EdgeKind, string> = {
  traffic: 'color="#1f5fbf", penwidth=1.6',
  control: 'color="#a86b00", style=dashed',
  data: 'color="#2e7d32", style=dashed',
};
const EDGE_COLOR: Record<EdgeKind, string> = { traffic: "#1f5fbf", control: "#a86b00", data: "#2e7d32" };
const EDGE_MEANING: Record<EdgeKind, string> = {
  traffic: "request path (ports from the NetworkPolicies)",
  data: "metrics scrapes, backups and their copies",
  control: "manages: creates, scales, writes records, TLS",
};
const EDGE_SAMPLE: Record<EdgeKind, string> = { traffic: "━━━▶", control: "‒ ‒ ‒▶", data: "‒ ‒ ‒▶" };

const dotString = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
const htmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function dotNode(n: DiagramNode, indent: string): string {
  const attrs = [`label=${dotString(n.label.join("\n"))}`, `shape=${n.shape}`];
  if (n.fill) attrs.push(`fillcolor=${dotString(n.fill)}`);
  return `${indent}${n.id} [${attrs.join(", ")}];`;
}

function dotCluster(c: DiagramCluster, indent: string): string[] {
  return [
    `${indent}subgraph ${c.id} {`,
    `${indent}  label=${dotString(c.label)}; style="rounded,filled"; fillcolor=${dotString(c.fill)}; color="#9aa5b1";`,
    ...c.nodes.map((n) => dotNode(n, `${indent}  `)),
    ...c.clusters.flatMap((child) => dotCluster(child, `${indent}  `)),
    `${indent}}`,
  ];
}

/** Every node of a diagram, clusters included. */
function allNodes(d: Diagram): DiagramNode[] {
  const walk = (c: DiagramCluster): DiagramNode[] => [...c.nodes, ...c.clusters.flatMap(walk)];
  return [...d.nodes, ...d.clusters.flatMap(walk)];
}

/** The legend: one HTML-label node with a row per edge kind the diagram uses. */
function dotLegend(d: Diagram, rank: number | undefined): string[] {
  const kinds = (["traffic", "data", "control"] as const).filter((k) => d.edges.some((e) => e.kind === k));
  const rows = kinds.map((k) => `<tr><td align="left"><font color="${EDGE_COLOR[k]}">${htmlText(EDGE_SAMPLE[k])}</font></td><td align="left">${htmlText(EDGE_MEANING[k])}</td></tr>`);
  const label = `<<table border="0" cellborder="0" cellspacing="2"><tr><td colspan="2" align="left"><b>legend</b></td></tr>${rows.join("")}</table>>`;
  return [`  legend [shape=box, style="rounded", color="#9aa5b1", fontsize=9, label=${label}];`, ...(rank !== undefined ? [`  { rank=same; column_${rank}; legend; }`] : [])];
}

/** The header every generated file starts with (no timestamp, no path: the output is deterministic). */
export const GENERATED_NOTE = "generated by npm run diagram (scripts/diagram.ts) from the synthesized stacks; do not edit";

/**
 * The Graphviz DOT text of a diagram: deterministic (the model sorts everything). Each node's
 * column is pinned with `rank=same` next to an invisible anchor, the anchors chained left to
 * right; an edge that runs against the columns does not constrain the layout.
 */
export function renderDot(d: Diagram): string {
  const nodes = allNodes(d);
  const rankOf = new Map(nodes.map((n) => [n.id, n.rank]));
  const ranks = [...new Set(nodes.map((n) => n.rank).filter((r): r is number => r !== undefined))].sort((a, b) => a - b);
  const columns = ranks.length > 0 ? Array.from({ length: ranks[ranks.length - 1] + 1 }, (_, i) => i) : [];
  const lines = [
    `// ${GENERATED_NOTE}`,
    `digraph ${dotString(d.title)} {`,
    `  graph [rankdir=LR, compound=true, newrank=true, fontname=${dotString(FONT)}, fontsize=12, nodesep=0.15, ranksep=0.45, labelloc=t, labeljust=l, label=${dotString(d.title)}];`,
    `  node [fontname=${dotString(FONT)}, fontsize=10, shape=box, style="rounded,filled", fillcolor="#ffffff", margin="0.1,0.03", height=0.3];`,
    `  edge [fontname=${dotString(FONT)}, fontsize=9];`,
    ...d.nodes.map((n) => dotNode(n, "  ")),
    ...d.clusters.flatMap((c) => dotCluster(c, "  ")),
    ...d.edges.map((e) => {
      const from = rankOf.get(e.from);
      const to = rankOf.get(e.to);
      const backwards = (from !== undefined && to !== undefined && from >= to);
      const attrs = [EDGE_STYLE[e.kind], ...(backwards ? ["constraint=false"] : []), ...(e.label ? [`label=${dotString(e.label)}`] : [])];
      return `  ${e.from} -> ${e.to} [${attrs.join(", ")}];`;
    }),
    "  // columns, left to right",
    ...columns.map((c) => `  column_${c} [shape=point, style=invis, width=0, height=0, label=""];`),
    ...(columns.length > 1 ? [`  ${columns.map((c) => `column_${c}`).join(" -> ")} [style=invis];`] : []),
    ...ranks.map((r) => `  { rank=same; column_${r}; ${nodes.filter((n) => n.rank === r).map((n) => `${n.id};`).join(" ")} }`),
    ...dotLegend(d, columns[columns.length - 1]),
    "}",
    "",
  ];
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Mermaid.

const mermaidText = (text: string) => `"${text.replace(/"/g, "#quot;").replace(/\n/g, "<br/>")}"`;
const MERMAID_SHAPE: Record<DiagramNode["shape"], [string, string]> = {
  box: ["[", "]"],
  component: ["[", "]"],
  folder: ["[", "]"],
  note: ["[", "]"],
  cylinder: ["[(", ")]"],
  ellipse: ["([", "])"],
};
const MERMAID_ARROW: Record<EdgeKind, string> = { traffic: "==>", control: "-.->", data: "-.->" };

/** The Mermaid flowchart of a diagram (GitHub renders it inline). */
export function renderMermaid(d: Diagram): string {
  const node = (n: DiagramNode, indent: string) => `${indent}${n.id}${MERMAID_SHAPE[n.shape][0]}${mermaidText(n.label.join("\n"))}${MERMAID_SHAPE[n.shape][1]}`;
  const cluster = (c: DiagramCluster, indent: string): string[] => [
    `${indent}subgraph ${c.id}[${mermaidText(c.label)}]`,
    ...c.nodes.map((n) => node(n, `${indent}  `)),
    ...c.clusters.flatMap((child) => cluster(child, `${indent}  `)),
    `${indent}end`,
  ];
  return [
    "flowchart LR",
    ...d.nodes.map((n) => node(n, "  ")),
    ...d.clusters.flatMap((c) => cluster(c, "  ")),
    ...d.edges.map((e) => `  ${e.from} ${MERMAID_ARROW[e.kind]}${e.label ? `|${mermaidText(e.label)}|` : ""} ${e.to}`),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Files, hashes and drift.

export const sha256 = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex");

/** The CRC-32 (IEEE, as PNG uses) of `bytes`. Node 20 has no zlib.crc32. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
}

/** The chunks of a PNG; throws naming the problem when it is not one or a chunk's CRC is wrong. */
export function pngChunks(png: Uint8Array): PngChunk[] {
  const buf = Buffer.from(png);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error("not a PNG (no PNG signature)");
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`truncated PNG chunk at byte ${at}`);
    const length = buf.readUInt32BE(at);
    const type = buf.subarray(at + 4, at + 8).toString("latin1");
    if (at + 12 + length > buf.length) throw new Error(`truncated PNG chunk ${type} at byte ${at}`);
    const data = buf.subarray(at + 8, at + 8 + length);
    const crc = buf.readUInt32BE(at + 8 + length);
    if (crc32(buf.subarray(at + 4, at + 8 + length)) !== crc) throw new Error(`PNG chunk ${type} at byte ${at} has a wrong CRC`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  return chunks;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** `png` with tEXt chunks (keyword → text, Latin-1) inserted right after IHDR. */
export function withPngText(png: Uint8Array, text: Readonly<Record<string, string>>): Buffer {
  const chunks = pngChunks(png);
  if (chunks[0]?.type !== "IHDR") throw new Error("PNG does not start with IHDR");
  const extra = Object.entries(text).map(([k, v]) => pngChunk("tEXt", Buffer.from(`${k}\u0000${v}`, "latin1")));
  const buf = Buffer.from(png);
  const afterIhdr = 8 + 12 + chunks[0].data.length;
  return Buffer.concat([buf.subarray(0, afterIhdr), ...extra, buf.subarray(afterIhdr)]);
}

/** The tEXt chunks of a PNG, keyword → text. */
export function pngText(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of pngChunks(png).filter((c) => c.type === "tEXt")) {
    const text = c.data.toString("latin1");
    const nul = text.indexOf("\u0000");
    if (nul > 0) out[text.slice(0, nul)] = text.slice(nul + 1);
  }
  return out;
}

/** The keywords the rendered files carry: the DOT's sha256 and the `dot -V` line that rendered it. */
export const STAMP = { hash: "qod-dot-sha256", graphviz: "qod-graphviz" } as const;

export interface RenderStamp {
  readonly dotSha256: string;
  readonly graphviz: string;
}

/** `svg` with an XML comment recording the stamp, after the XML declaration. */
export function stampSvg(svg: string, stamp: RenderStamp): string {
  const comment = `<!-- ${STAMP.hash}=${stamp.dotSha256} ${STAMP.graphviz}=${JSON.stringify(stamp.graphviz)} -->\n`;
  const decl = /^<\?xml[^>]*\?>\n/.exec(svg);
  return decl ? `${decl[0]}${comment}${svg.slice(decl[0].length)}` : `${comment}${svg}`;
}

export function svgStamp(svg: string): RenderStamp | undefined {
  const match = new RegExp(`<!-- ${STAMP.hash}=([0-9a-f]{64}) ${STAMP.graphviz}=("(?:[^"\\\\]|\\\\.)*") -->`).exec(svg);
  return match ? { dotSha256: match[1], graphviz: JSON.parse(match[2]) as string } : undefined;
}

export function stampPng(png: Uint8Array, stamp: RenderStamp): Buffer {
  return withPngText(png, { [STAMP.hash]: stamp.dotSha256, [STAMP.graphviz]: stamp.graphviz });
}

/** The stamp of a PNG; throws when the PNG is broken. */
export function pngStamp(png: Uint8Array): RenderStamp | undefined {
  const text = pngText(png);
  return text[STAMP.hash] && text[STAMP.graphviz] !== undefined ? { dotSha256: text[STAMP.hash], graphviz: text[STAMP.graphviz] } : undefined;
}

/** What `npm run diagram` writes: text files exactly, and the images rendered from each DOT. */
export interface DiagramFiles {
  /** Relative path (under docs/architecture) → exact content (the DOT files, README.md). */
  readonly text: Readonly<Record<string, string>>;
  /** Relative path of an SVG or PNG → the DOT text it is rendered from. */
  readonly rendered: Readonly<Record<string, string>>;
}

/** Renders DOT text to `svg` or `png` bytes, with the version line of the renderer. */
export interface Renderer {
  readonly version: string;
  render(dot: string, format: "svg" | "png"): Buffer;
}

/** A rendered file with its stamp. */
export function renderStamped(renderer: Renderer, dot: string, format: "svg" | "png"): Buffer {
  const stamp = { dotSha256: sha256(dot), graphviz: renderer.version };
  const raw = renderer.render(dot, format);
  return format === "svg" ? Buffer.from(stampSvg(raw.toString("utf8"), stamp)) : stampPng(raw, stamp);
}

function stampOf(rel: string, bytes: Buffer): RenderStamp | undefined {
  return rel.endsWith(".png") ? pngStamp(bytes) : svgStamp(bytes.toString("utf8"));
}

export interface DriftOptions {
  /** The committed files' relative paths under the folder. */
  readonly existing: readonly string[];
  read(rel: string): Buffer;
  /** The local Graphviz, when there is one: images stamped with its version line are re-rendered and compared byte for byte. */
  readonly renderer?: Renderer;
}

export interface DriftReport {
  readonly problems: readonly string[];
  /** What was not checked, and why (for the log). */
  readonly notes: readonly string[];
}

/**
 * What differs between the committed folder and what the synthesized stacks give:
 * - DOT and Markdown: exact text;
 * - SVG and PNG: the DOT sha256 they carry must be the new DOT's (a PNG's chunk CRCs must hold);
 *   when the local `dot -V` line equals the one they record, they are re-rendered and must be
 *   identical byte for byte (another Graphviz build may lay out or rasterize differently, so
 *   there only the hash is checked, and a note says so);
 * - nothing else may be in the folder.
 */
export function diagramDrift(files: DiagramFiles, options: DriftOptions): DriftReport {
  const problems: string[] = [];
  const notes: string[] = [];
  const existing = new Set(options.existing);
  for (const [rel, content] of Object.entries(files.text).sort(([a], [b]) => byText(a, b))) {
    if (!existing.has(rel)) problems.push(`${rel} is missing`);
    else if (options.read(rel).toString("utf8") !== content) problems.push(`${rel} differs from what the synthesized stacks give`);
  }
  for (const [rel, dot] of Object.entries(files.rendered).sort(([a], [b]) => byText(a, b))) {
    if (!existing.has(rel)) {
      problems.push(`${rel} is missing`);
      continue;
    }
    const bytes = options.read(rel);
    let stamp: RenderStamp | undefined;
    try {
      stamp = stampOf(rel, bytes);
    } catch (error) {
      problems.push(`${rel} is not a valid image: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const expected = sha256(dot);
    if (!stamp) problems.push(`${rel} carries no ${STAMP.hash} stamp (not written by npm run diagram)`);
    else if (stamp.dotSha256 !== expected) problems.push(`${rel} was rendered from another DOT (its ${STAMP.hash} is ${stamp.dotSha256}, the DOT's is ${expected})`);
    else if (!options.renderer) notes.push(`${rel}: hash checked; no Graphviz here to re-render it`);
    else if (options.renderer.version !== stamp.graphviz) notes.push(`${rel}: hash checked; rendered by "${stamp.graphviz}", this is "${options.renderer.version}", so not re-rendered`);
    else if (!renderStamped(options.renderer, dot, rel.endsWith(".png") ? "png" : "svg").equals(bytes)) problems.push(`${rel} differs from what ${stamp.graphviz} renders from its DOT`);
  }
  const generated = new Set([...Object.keys(files.text), ...Object.keys(files.rendered)]);
  for (const rel of [...existing].sort(byText)) if (!generated.has(rel)) problems.push(`${rel} is not generated by npm run diagram (remove it)`);
  return { problems, notes };
}

/**
 * The images `npm run diagram` must (re)write: missing, unreadable, or stamped with another DOT's
 * hash, or everything with `force`. An image whose stamp matches its DOT is kept, so running it
 * with another Graphviz build does not rewrite unchanged pictures.
 */
export function imagesToRender(files: DiagramFiles, existing: ReadonlySet<string>, read: (rel: string) => Buffer, force = false): string[] {
  return Object.entries(files.rendered)
    .filter(([rel, dot]) => {
      if (force || !existing.has(rel)) return true;
      try {
        return stampOf(rel, read(rel))?.dotSha256 !== sha256(dot);
      } catch {
        return true;
      }
    })
    .map(([rel]) => rel)
    .sort(byText);
}

/** docs/architecture/README.md: what the diagrams show, each environment's picture and its Mermaid. */
export function architectureReadme(diagrams: readonly { environment: string; diagram: Diagram; production: boolean }[]): string {
  const lines = [
    `<!-- ${GENERATED_NOTE} -->`,
    "# Architecture diagrams",
    "",
    "One diagram per environment of `apps/platform.ts`, drawn from its synthesized stacks",
    "(`<env>-infra`, `<env>-platform`, `<env>-apps`) by `scripts/diagram-lib.ts`: the VPC's subnet",
    "tiers per availability zone, the NAT and internet gateways, the EKS cluster with its node groups,",
    "managed add-ons, Helm releases and workloads by namespace, RDS, ECR, the backup vaults, the",
    "Route 53 zone and the ACM certificate. The ALB is the one the load balancer controller makes from",
    "the Ingresses; the request paths behind it come from the Ingress backends and the NetworkPolicies.",
    "",
    "`npm run diagram` rewrites this folder; `npm run diagram:check` fails when it drifted from the stacks.",
    "Each `.dot` file is the source; the `.svg` and `.png` carry its sha256.",
    "",
  ];
  for (const { environment, diagram, production } of diagrams) {
    lines.push(
      `## ${environment}${production ? " (production)" : ""}`,
      "",
      `[${environment}.dot](${environment}.dot) · [${environment}.svg](${environment}.svg)`,
      "",
      `![${environment} architecture](${environment}.png)`,
      "",
      "<details><summary>Mermaid</summary>",
      "",
      "```mermaid",
      renderMermaid(diagram),
      "```",
      "",
      "</details>",
      "",
    );
  }
  return lines.join("\n");
}

/** One environment's input: its name, whether it is production, and its synthesized stacks. */
export interface EnvironmentStacksJson {
  readonly name: string;
  readonly production: boolean;
  readonly stacks: readonly StackJson[];
}

/** Every file of docs/architecture: `<env>.dot`, `<env>.svg`, `<env>.png` per environment, and README.md. */
export function diagramFiles(environments: readonly EnvironmentStacksJson[]): DiagramFiles {
  if (environments.length === 0) throw new Error("diagram: the platform definition has no environments to draw");
  const text: Record<string, string> = {};
  const rendered: Record<string, string> = {};
  const drawn = environments.map((e) => {
    const diagram = buildDiagram(environmentModel(e.name, e.stacks));
    const dot = renderDot(diagram);
    text[`${e.name}.dot`] = dot;
    rendered[`${e.name}.svg`] = dot;
    rendered[`${e.name}.png`] = dot;
    return { environment: e.name, diagram, production: e.production };
  });
  text["README.md"] = architectureReadme(drawn);
  return { text, rendered };
}
