package main

import (
	"fmt"
	"reflect"
)

// problem is one reason to refuse a Cluster: the field and what is wrong with it.
type problem struct{ field, message string }

func (p problem) String() string { return p.field + ": " + p.message }

// clusterProblems is the policy on a Cluster as it would be stored: the controllers follow spec.secretRef and
// spec.impersonatorSecretRef to any Secret and trust any server when spec.insecureSkipTLSVerification is set, so a
// Cluster may name only its own Secrets and must verify its member's serving certificate.
func clusterProblems(cluster map[string]any, secretNamespace string) []problem {
	name, _ := nested(cluster, "metadata", "name").(string)
	var problems []problem
	if skip, _ := nested(cluster, "spec", "insecureSkipTLSVerification").(bool); skip {
		problems = append(problems, problem{"spec.insecureSkipTLSVerification",
			"must not be true (the member's API server is verified with the caBundle of its Secret)"})
	}
	for field, want := range map[string]string{"secretRef": name, "impersonatorSecretRef": name + "-impersonator"} {
		ref, present := nested(cluster, "spec", field).(map[string]any)
		if !present {
			continue
		}
		if ref["namespace"] != secretNamespace || ref["name"] != want {
			problems = append(problems, problem{"spec." + field, fmt.Sprintf(
				"must be %s/%s, the Cluster's own Secret, not %v/%v", secretNamespace, want, ref["namespace"], ref["name"])})
		}
	}
	return problems
}

// statusProblems holds the status subresource to the status: Karmada v1.18.2 stores whatever spec a status write
// carries (its StatusStrategy keeps the new object's spec), so a writer of status could rewrite the spec.
func statusProblems(stored, result map[string]any) []problem {
	if reflect.DeepEqual(nested(stored, "spec"), nested(result, "spec")) {
		return nil
	}
	return []problem{{"spec", "the status subresource may not change the spec"}}
}

// nested is the value at a path of JSON object keys, or nil.
func nested(object map[string]any, keys ...string) any {
	var value any = object
	for _, key := range keys {
		inner, ok := value.(map[string]any)
		if !ok {
			return nil
		}
		value = inner[key]
	}
	return value
}
