import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { configureS3Backend } from "./backend";
import type { EnvironmentBase } from "./environment";
import { Naming } from "./naming";
import { environmentTags, RequiredTagsAspect } from "./tagging";
import { VERSIONS } from "./versions";

export interface EnvironmentStackProps {
  /** The environment, already validated (apps validate the whole config before any stack exists). */
  readonly config: EnvironmentBase;
  /** The stack's role within the environment: `infra`, `platform` or `apps`. */
  readonly component: string;
}

/**
 * A stack of one environment, `<env>-<component>`: the AWS provider pinned to the
 * environment's account and region with its default tags, the S3 backend at
 * `<env>/<env>-<component>.tfstate`, the required-tags check and the Terraform version floor.
 */
export class EnvironmentStack extends TerraformStack {
  public readonly config: EnvironmentBase;
  public readonly naming: Naming;
  public readonly awsProvider: AwsProvider;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const stackName = `${props.config.name}-${props.component}`;
    super(scope, stackName);
    this.config = props.config;
    this.naming = new Naming(props.config.project, props.config.name);
    this.awsProvider = new AwsProvider(this, "aws", {
      region: props.config.region,
      allowedAccountIds: [props.config.accountId],
      defaultTags: [{ tags: environmentTags(props.config) }],
    });
    configureS3Backend(this, props.config.state, props.config.name, stackName);
    this.addOverride("terraform.required_version", VERSIONS.terraform.version);
    Aspects.of(this).add(new RequiredTagsAspect());
  }
}

/** A provider used without a prebuilt binding: only its `required_providers` entry and an empty configuration. */
class UnboundProvider extends TerraformProvider {}

/**
 * The provider `name` of the stack of `scope`, for resources made with cdktf's generic
 * `TerraformResource` (no binding package): made once per stack, with `source` and the exact
 * version pinned in `VERSIONS.providers` in `required_providers`. Every construct that uses the
 * provider calls it.
 */
export function requireProvider(scope: Construct, name: keyof typeof VERSIONS.providers, source: string): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const id = `provider-${name}`;
  const existing = stack.node.tryFindChild(id);
  if (existing !== undefined && TerraformProvider.isTerraformProvider(existing)) return existing;
  return new UnboundProvider(stack, id, {
    terraformResourceType: name,
    terraformGeneratorMetadata: { providerName: name, providerVersion: VERSIONS.providers[name].version },
    terraformProviderSource: source,
  });
}

/**
 * Keeps a deployed resource whose construct id changed (for example from a list index to a stable
 * key): a `moved` block from the address it had as `formerId`, a sibling id in the same scope, to
 * its current address. An empty construct holds the former id, so nothing else can take it.
 * Terraform ignores a move whose source is not in the state, so the block is harmless for a new
 * environment; drop it once every environment has applied.
 */
export function movedFrom(resource: TerraformResource, formerId: string): void {
  const scope = resource.node.scope;
  if (!scope) throw new Error(`movedFrom: ${resource.node.path} has no scope`);
  const former = new Construct(scope, formerId);
  resource.moveFromId(`${resource.terraformResourceType}.${TerraformStack.of(resource).getLogicalId(former.node)}`);
}
