package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// A Cluster write: POST on the collection; PUT or PATCH on a Cluster or its status. Anything else under clusters
// (the proxy subresource, reads, deletes) passes through.
var clusterPath = regexp.MustCompile(`^/apis/cluster\.karmada\.io/v1alpha1/clusters(?:/([^/]+)(/status)?)?$`)

// The largest Cluster write the guard reads (the Karmada API's own limit on a request body is 3 MiB).
const maxBody = 3 << 20

type guard struct {
	upstream        *url.URL
	transport       http.RoundTripper
	callers         *caPool
	allowedNames    []string
	secretNamespace string
	forward         http.Handler // newForwarder
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok"))
		return
	}
	if err := g.authenticate(r); err != nil {
		log.Printf("refused a caller from %s: %v", r.RemoteAddr, err)
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "karmada-cluster-guard: "+err.Error(), "")
		return
	}
	if write, name, status := clusterWrite(r); write {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "request body too large or unreadable", name)
			return
		}
		if !g.admit(w, r, body, name, status) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	g.forward.ServeHTTP(w, r)
}

// authenticate accepts only a client certificate of the request-header CA with an allowed name (the aggregator's).
func (g *guard) authenticate(r *http.Request) error {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return fmt.Errorf("no client certificate")
	}
	pool, err := g.callers.get()
	if err != nil {
		return err
	}
	leaf, err := verifyChain(r.TLS.PeerCertificates, pool, x509.ExtKeyUsageClientAuth, "")
	if err != nil {
		return fmt.Errorf("client certificate: %v", err)
	}
	if !slices.Contains(g.allowedNames, leaf.Subject.CommonName) {
		return fmt.Errorf("client certificate %q is not an allowed name", leaf.Subject.CommonName)
	}
	return nil
}

// clusterWrite tells whether the request writes a Cluster, its name (empty on create) and whether it is the status.
func clusterWrite(r *http.Request) (write bool, name string, status bool) {
	match := clusterPath.FindStringSubmatch(r.URL.Path)
	if match == nil {
		return false, "", false
	}
	name, status = match[1], match[2] != ""
	switch r.Method {
	case http.MethodPost:
		return name == "", "", false
	case http.MethodPut, http.MethodPatch:
		return name != "", name, status
	}
	return false, "", false
}

// admit dry-runs the write upstream as the caller and checks what would be stored. It answers the caller itself
// (and returns false) when the write is refused, by the guard or by the upstream's own dry run.
func (g *guard) admit(w http.ResponseWriter, r *http.Request, body []byte, name string, status bool) bool {
	var stored map[string]any
	if status {
		// The object as it is, to hold the status subresource to what it may change (read as the caller: a writer
		// of a Cluster's status that may not read the Cluster is refused with the upstream's answer to that read).
		objectPath := strings.TrimSuffix(r.URL.Path, "/status")
		code, raw, err := g.call(r, http.MethodGet, objectPath, url.Values{}, nil)
		if err != nil || code != http.StatusOK {
			g.relay(w, r, code, raw, err)
			return false
		}
		if stored, err = decodeObject(raw); err != nil {
			g.relay(w, r, http.StatusBadGateway, nil, err)
			return false
		}
	}
	query := r.URL.Query()
	query.Set("dryRun", "All")
	code, raw, err := g.call(r, r.Method, r.URL.Path, query, body)
	if err != nil || code/100 != 2 {
		g.relay(w, r, code, raw, err)
		return false
	}
	result, err := decodeObject(raw)
	if err != nil {
		g.relay(w, r, http.StatusBadGateway, nil, err)
		return false
	}
	problems := clusterProblems(result, g.secretNamespace)
	if status {
		problems = append(problems, statusProblems(stored, result)...)
	}
	if len(problems) == 0 {
		return true
	}
	if name == "" {
		name, _ = nested(result, "metadata", "name").(string)
	}
	texts := make([]string, 0, len(problems))
	causes := make([]map[string]any, 0, len(problems))
	for _, p := range problems {
		texts = append(texts, p.String())
		causes = append(causes, map[string]any{"reason": "FieldValueForbidden", "field": p.field,
			"message": p.message + " (karmada-cluster-guard)"})
	}
	log.Printf("refused %s %s by %q: %s", r.Method, r.URL.Path, r.Header.Get("X-Remote-User"), strings.Join(texts, "; "))
	message := fmt.Sprintf("Cluster.cluster.karmada.io %q is invalid: %s (karmada-cluster-guard)", name, strings.Join(texts, "; "))
	writeStatus(w, http.StatusUnprocessableEntity, "Invalid", message, name, causes...)
	return false
}

// call sends one request upstream with the caller's identity headers and returns the status and body.
func (g *guard) call(r *http.Request, method, path string, query url.Values, body []byte) (int, []byte, error) {
	target := *g.upstream
	target.Path, target.RawQuery = path, query.Encode()
	request, err := http.NewRequestWithContext(r.Context(), method, target.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for key, values := range r.Header {
		if strings.HasPrefix(key, "X-Remote-") || key == "Content-Type" || key == "User-Agent" {
			request.Header[key] = values
		}
	}
	if body == nil {
		request.Header.Del("Content-Type")
	}
	request.Header.Set("Accept", "application/json")
	response, err := g.transport.RoundTrip(request)
	if err != nil {
		return 0, nil, err
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(response.Body, 4*maxBody))
	return response.StatusCode, raw, err
}

// relay answers the caller with an upstream answer, or a 502 if there was none.
func (g *guard) relay(w http.ResponseWriter, r *http.Request, code int, raw []byte, err error) {
	if err != nil || code == 0 {
		log.Printf("%s %s: upstream: %v", r.Method, r.URL.Path, err)
		writeStatus(w, http.StatusBadGateway, "InternalError", fmt.Sprintf("karmada-cluster-guard: upstream: %v", err), "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(raw)
}

// newForwarder passes requests on to the upstream as they came: the aggregator's X-Remote-* identity headers
// included (only hop-by-hop and X-Forwarded-* headers are dropped), responses streamed (watches, the cluster proxy).
func (g *guard) newForwarder() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:       func(out *httputil.ProxyRequest) { out.SetURL(g.upstream) },
		Transport:     g.transport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			g.relay(w, r, 0, nil, err)
		},
	}
}

func decodeObject(raw []byte) (map[string]any, error) {
	var object map[string]any
	if err := json.Unmarshal(raw, &object); err != nil {
		return nil, fmt.Errorf("upstream answered no JSON object: %v", err)
	}
	return object, nil
}

// writeStatus answers with a Kubernetes Status object, as an API server's own refusals read.
// Its causes are what kubectl prints of an Invalid answer.
func writeStatus(w http.ResponseWriter, code int, reason, message, name string, causes ...map[string]any) {
	status := map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message, "reason": reason, "code": code,
	}
	if name != "" {
		status["details"] = map[string]any{"name": name, "group": "cluster.karmada.io", "kind": "clusters",
			"causes": causes}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
