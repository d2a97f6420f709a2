//go:build tools

// Package tools records the commands built from this module, so go.sum covers all they import.
package tools

import _ "sigs.k8s.io/aws-iam-authenticator/cmd/aws-iam-authenticator"
