import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Annotations, IAspect, TerraformResource, TerraformStack, Token } from "cdktf";
import { IConstruct } from "constructs";
import type { EnvironmentBase } from "./environment";
import { REQUIRED_TAG_KEYS } from "./environment";

/** The value of the `managed-by` tag. */
export const MANAGED_BY = "cdktf";

/** The provider-level default tags of an environment: required keys first, then extras. */
export function environmentTags(config: Pick<EnvironmentBase, "project" | "name" | "tags">): Record<string, string> {
  return {
    project: config.project,
    environment: config.name,
    "managed-by": MANAGED_BY,
    ...config.tags,
  };
}

interface Taggable {
  readonly tagsInput?: Record<string, string>;
}

function isTaggableAwsResource(node: IConstruct): node is TerraformResource & Taggable {
  return (
    node instanceof TerraformResource &&
    node.terraformResourceType.startsWith("aws_") &&
    "tagsInput" in node
  );
}

function providerTags(provider: AwsProvider | undefined): Record<string, string> {
  const defaults = provider?.defaultTags;
  if (!Array.isArray(defaults)) return {};
  return Object.assign({}, ...defaults.map((d) => (d.tags ?? {}) as Record<string, string>));
}

function defaultAwsProvider(stack: TerraformStack): AwsProvider | undefined {
  return stack.node
    .findAll()
    .find((n): n is AwsProvider => n instanceof AwsProvider && n.alias === undefined);
}

/**
 * Fails synth when a taggable AWS resource would be created without every required tag, counting
 * both the resource's own `tags` and its provider's `default_tags`.
 */
export class RequiredTagsAspect implements IAspect {
  constructor(private readonly required: readonly string[] = REQUIRED_TAG_KEYS) {}

  visit(node: IConstruct): void {
    if (!isTaggableAwsResource(node)) return;
    const provider =
      node.provider instanceof AwsProvider ? node.provider : defaultAwsProvider(TerraformStack.of(node));
    const own = node.tagsInput;
    if (own !== undefined && Token.isUnresolved(own)) return;
    const effective = { ...providerTags(provider), ...(own ?? {}) };
    const missing = this.required.filter((key) => {
      const value = effective[key];
      return typeof value !== "string" || value.length === 0;
    });
    if (missing.length > 0) {
      Annotations.of(node).addError(
        `${node.terraformResourceType} is missing required tag(s) ${missing.join(", ")}: ` +
          `set them through the provider's default_tags (environmentTags) or the resource's tags`,
      );
    }
  }
}
