import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { ProblemCollector } from "@qod/core";
import { Construct } from "constructs";

/** TLS 1.3 and 1.2 with forward secrecy only (the ALB's recommended policy). */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
const ANNOTATION = "alb.ingress.kubernetes.io";

export interface LoadBalancerProps {
  /** The IngressGroup's name: every Ingress in it shares one ALB. */
  readonly groupName: string;
  /** The environment's domain: every host is under it. */
  readonly domain: string;
  /** ARN of the issued ACM certificate for `domain` and `*.domain`. */
  readonly certificateArn: string;
  /** CIDRs of the subnets the ALB runs in (the public subnets): the pods admit traffic from there only. */
  readonly subnetCidrs: readonly string[];
  /** Refuse to delete the ALB (prod). */
  readonly deletionProtection: boolean;
  /** S3 bucket for access logs (prod); none: no access logs. */
  readonly accessLogsBucket?: string;
  /** @default DEFAULT_SSL_POLICY */
  readonly sslPolicy?: string;
  /** Tags on the ALB, its listeners and target groups. */
  readonly tags?: Record<string, string>;
  /** @default 60 */
  readonly idleTimeoutSeconds?: number;
}

/** What one service's Ingress needs. */
export interface IngressTarget {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  /** The path the ALB health-checks (the readiness path). */
  readonly healthCheckPath: string;
  readonly deregistrationDelaySeconds: number;
}

/**
 * The shared, internet-facing ALB of an environment, as an IngressGroup of the AWS Load Balancer
 * Controller: HTTPS on 443 with the ACM certificate and a TLS 1.2+ policy, HTTP on 80 redirected
 * to HTTPS, target type `ip` (the ALB sends to pods directly, and pod readiness gates hold a
 * rollout until the ALB sees the new pod healthy), invalid header fields dropped, deletion
 * protection and access logs where configured. Each route is an Ingress of its own in the group,
 * so a service's `exposeViaIngress` adds one without touching the others; the group-level
 * annotations are the same on every member.
 */
export class LoadBalancer extends Construct {
  public readonly domain: string;
  public readonly subnetCidrs: readonly string[];
  public readonly ingresses: IngressV1[] = [];
  private readonly props: LoadBalancerProps;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const p = new ProblemCollector(`LoadBalancer ${this.node.path}`);
    p.check(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.groupName), "groupName", props.groupName, "a DNS label (lowercase letters, digits, -)");
    p.check(props.subnetCidrs.length > 0, "subnetCidrs", props.subnetCidrs, "the CIDRs of the ALB's subnets (one or more)");
    p.throwIfAny();
    this.props = props;
    this.domain = props.domain;
    this.subnetCidrs = props.subnetCidrs;
  }

  /** The annotations every Ingress of the group carries (the ALB and its listeners). */
  public groupAnnotations(): Record<string, string> {
    const p = this.props;
    const attributes = [
      `deletion_protection.enabled=${p.deletionProtection}`,
      "routing.http.drop_invalid_header_fields.enabled=true",
      `idle_timeout.timeout_seconds=${p.idleTimeoutSeconds ?? 60}`,
      ...(p.accessLogsBucket !== undefined
        ? ["access_logs.s3.enabled=true", `access_logs.s3.bucket=${p.accessLogsBucket}`, `access_logs.s3.prefix=${p.groupName}`]
        : ["access_logs.s3.enabled=false"]),
    ];
    return {
      [`${ANNOTATION}/group.name`]: p.groupName,
      [`${ANNOTATION}/scheme`]: "internet-facing",
      [`${ANNOTATION}/target-type`]: "ip",
      [`${ANNOTATION}/ip-address-type`]: "ipv4",
      [`${ANNOTATION}/listen-ports`]: JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
      [`${ANNOTATION}/ssl-redirect`]: "443",
      [`${ANNOTATION}/certificate-arn`]: p.certificateArn,
      [`${ANNOTATION}/ssl-policy`]: p.sslPolicy ?? DEFAULT_SSL_POLICY,
      [`${ANNOTATION}/load-balancer-attributes`]: attributes.join(","),
      ...(p.tags && Object.keys(p.tags).length > 0
        ? { [`${ANNOTATION}/tags`]: Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(",") }
        : {}),
    };
  }

  /**
   * One route of a service: an Ingress in the group for `host` + `path` (a prefix). More specific
   * paths get a lower `group.order`, so `www/qod` is matched before `www/`.
   */
  public addRoute(scope: Construct, host: string, path: string, target: IngressTarget): IngressV1 {
    const slug = path === "/" ? "root" : path.replace(/^\/+|\/+$/g, "").replace(/[^a-z0-9]+/gi, "-").toLowerCase();
    const hostLabel = host === this.domain ? "apex" : host.slice(0, host.length - this.domain.length - 1).replace(/\./g, "-");
    const name = `${target.service}-${hostLabel}-${slug}`.slice(0, 63).replace(/-+$/, "");
    const depth = path.split("/").filter(Boolean).length;
    const ingress = new IngressV1(scope, `Ingress-${hostLabel}-${slug}`, {
      metadata: {
        name,
        namespace: target.namespace,
        annotations: {
          ...this.groupAnnotations(),
          [`${ANNOTATION}/group.order`]: String(Math.max(1, 100 - depth * 10)),
          [`${ANNOTATION}/healthcheck-path`]: target.healthCheckPath,
          [`${ANNOTATION}/healthcheck-port`]: "traffic-port",
          [`${ANNOTATION}/healthcheck-interval-seconds`]: "10",
          [`${ANNOTATION}/healthy-threshold-count`]: "2",
          [`${ANNOTATION}/unhealthy-threshold-count`]: "2",
          [`${ANNOTATION}/success-codes`]: "200",
          [`${ANNOTATION}/target-group-attributes`]: `deregistration_delay.timeout_seconds=${target.deregistrationDelaySeconds}`,
        },
      },
      spec: {
        ingressClassName: "alb",
        rule: [
          {
            host,
            http: { path: [{ path, pathType: "Prefix", backend: { service: { name: target.service, port: { number: target.port } } } }] },
          },
        ],
      },
    });
    this.ingresses.push(ingress);
    return ingress;
  }
}
