//go:build tools

// Package tools pins the tflint AWS ruleset for scripts/scan.ts, which builds it with
// `go install github.com/terraform-linters/tflint-ruleset-aws` from this folder. Plain
// `go install github.com/terraform-linters/tflint-ruleset-aws@v0.48.0` fails here: the Go module
// proxy answers 403 for the module's version list, which `go install pkg@version` reads to look
// for a deprecation notice. A pinned go.mod + go.sum needs only the pinned version itself.
package tools

import _ "github.com/terraform-linters/tflint-ruleset-aws"
