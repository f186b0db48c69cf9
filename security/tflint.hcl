# tflint configuration for the synthesized stacks (cdktf.out/stacks/*/cdk.tf.json) and the generated
# modules and example (modules/*/*.tf), used by scripts/scan.ts (`npm run scan`). Every issue fails
# the scan; there is no ignore list.
#
# The AWS ruleset has no `source`/`version` here on purpose: scan.ts builds the pinned binary from
# security/tflint-ruleset-aws/go.mod and points TFLINT_PLUGIN_DIR at it, so tflint never tries to
# download a plugin (`tflint --init` needs GitHub, which CI cannot reach).

config {
  # The stacks call no modules. The example under modules/ does, but each module it calls is linted
  # in its own directory, so tflint does not load them again.
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  # Off: deep checks call AWS APIs with credentials; CI has no AWS account.
  deep_check = false
}
