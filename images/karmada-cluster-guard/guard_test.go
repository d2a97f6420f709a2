package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fakeAggregatedServer stores one Cluster and answers as karmada-aggregated-apiserver v1.18.2 does: a dry run returns
// the object the write would store, and a status write stores the spec it carries (the hole the guard closes).
type fakeAggregatedServer struct {
	stored  map[string]any
	writes  int // writes that were not dry runs
	headers http.Header
}

func (f *fakeAggregatedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.headers = r.Header.Clone()
	if r.Method == http.MethodGet {
		_ = json.NewEncoder(w).Encode(f.stored)
		return
	}
	var sent map[string]any
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &sent)
	result := map[string]any{"metadata": f.stored["metadata"], "spec": f.stored["spec"], "status": f.stored["status"]}
	if r.Method == http.MethodPost {
		result = sent
	} else if spec, ok := sent["spec"]; ok { // PUT of a whole object, or a merge patch naming spec
		result["spec"] = spec
	}
	if r.URL.Query().Get("dryRun") != "All" {
		f.writes++
		f.stored = result
	}
	_ = json.NewEncoder(w).Encode(result)
}

func setup(t *testing.T) (*guard, *fakeAggregatedServer) {
	t.Helper()
	fake := &fakeAggregatedServer{stored: map[string]any{
		"metadata": map[string]any{"name": "member-pull"},
		"spec":     map[string]any{"syncMode": "Pull", "apiEndpoint": "https://member-pull.example"},
		"status":   map[string]any{},
	}}
	server := httptest.NewServer(fake)
	t.Cleanup(server.Close)
	upstream, _ := url.Parse(server.URL)
	return &guard{upstream: upstream, transport: http.DefaultTransport, secretNamespace: "karmada-cluster"}, fake
}

func write(g *guard, method, path, body string) *httptest.ResponseRecorder {
	request := httptest.NewRequest(method, path, strings.NewReader(body))
	request.Header.Set("Content-Type", "application/merge-patch+json")
	request.Header.Set("X-Remote-User", "system:karmada:agent:member-pull")
	recorder := httptest.NewRecorder()
	_, name, status := clusterWrite(request)
	if g.admit(recorder, request, []byte(body), name, status) {
		recorder.WriteHeader(http.StatusTeapot) // admitted: the real guard would forward it now
	}
	return recorder
}

const clusters = "/apis/cluster.karmada.io/v1alpha1/clusters"

func TestAStatusWriteThatChangesTheSpecIsRefused(t *testing.T) {
	g, fake := setup(t)
	answer := write(g, http.MethodPatch, clusters+"/member-pull/status",
		`{"spec":{"syncMode":"Push","secretRef":{"namespace":"karmada-cluster","name":"member-pull"}}}`)
	if answer.Code != http.StatusUnprocessableEntity || !strings.Contains(answer.Body.String(), "status subresource may not change the spec") {
		t.Fatalf("got %d %s", answer.Code, answer.Body)
	}
	if fake.writes != 0 || fake.headers.Get("X-Remote-User") != "system:karmada:agent:member-pull" {
		t.Fatalf("writes %d, identity %q", fake.writes, fake.headers.Get("X-Remote-User"))
	}
}

func TestAStatusWriteOfTheStatusIsAdmitted(t *testing.T) {
	g, _ := setup(t)
	if answer := write(g, http.MethodPatch, clusters+"/member-pull/status", `{"status":{"kubernetesVersion":"v1.35.2"}}`); answer.Code != http.StatusTeapot {
		t.Fatalf("got %d %s", answer.Code, answer.Body)
	}
}

func TestAClusterNamingAnotherClustersSecretIsRefused(t *testing.T) {
	g, _ := setup(t)
	for _, body := range []string{
		`{"metadata":{"name":"steal"},"spec":{"secretRef":{"namespace":"karmada-cluster","name":"member-push"}}}`,
		`{"metadata":{"name":"steal"},"spec":{"impersonatorSecretRef":{"namespace":"kube-system","name":"steal-impersonator"}}}`,
		`{"metadata":{"name":"steal"},"spec":{"insecureSkipTLSVerification":true}}`,
	} {
		if answer := write(g, http.MethodPost, clusters, body); answer.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: got %d %s", body, answer.Code, answer.Body)
		}
	}
	own := `{"metadata":{"name":"member-push"},"spec":{"secretRef":{"namespace":"karmada-cluster","name":"member-push"},` +
		`"impersonatorSecretRef":{"namespace":"karmada-cluster","name":"member-push-impersonator"}}}`
	if answer := write(g, http.MethodPost, clusters, own); answer.Code != http.StatusTeapot {
		t.Fatalf("its own Secrets: got %d %s", answer.Code, answer.Body)
	}
}

func TestOnlyClusterWritesAreChecked(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         bool
	}{
		{http.MethodPost, clusters, true},
		{http.MethodPut, clusters + "/a", true},
		{http.MethodPatch, clusters + "/a/status", true},
		{http.MethodGet, clusters + "/a", false},
		{http.MethodDelete, clusters + "/a", false},
		{http.MethodPost, clusters + "/a/proxy/api/v1/namespaces", false},
		{http.MethodPut, clusters, false},
	} {
		if got, _, _ := clusterWrite(httptest.NewRequest(c.method, c.path, nil)); got != c.want {
			t.Errorf("%s %s: %v", c.method, c.path, got)
		}
	}
}
