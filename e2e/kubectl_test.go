package e2e

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"c3cred/jwtinfo"
	"c3cred/standin"
)

// apiServer is a stand-in Kubernetes API server over TLS on 127.0.0.1. It serves /version to a
// bearer token that the platform's stand-in issued and has not revoked, and 401 to anything else.
// Over plain http kubectl would never run the exec plugin.
type apiServer struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string // the bearer token of each request, in order
}

func newAPIServer(t *testing.T, platform *standin.Server) *apiServer {
	t.Helper()
	api := &apiServer{}
	api.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		api.mu.Lock()
		api.tokens = append(api.tokens, token)
		api.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case !platform.Valid(token):
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure",`+
				`"message":"Unauthorized","reason":"Unauthorized","code":401}`)
		case r.URL.Path == "/version":
			fmt.Fprint(w, `{"major":"1","minor":"32","gitVersion":"v1.32.0-c3cred-standin",`+
				`"platform":"linux/amd64"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

// seen returns the bearer tokens the API server has received.
func (api *apiServer) seen() []string {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]string(nil), api.tokens...)
}

// useKubeconfig writes a kubeconfig for api whose user runs `c3cred kubectl` as its exec plugin
// in apiVersion, as the README shows it, and points KUBECONFIG at it. HOME is the world's, so
// kubectl's caches stay in the test's folder.
func (w *world) useKubeconfig(api *apiServer, apiVersion string) {
	w.t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: standin
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: standin
  context:
    cluster: standin
    user: c3
current-context: standin
users:
- name: c3
  user:
    exec:
      apiVersion: %s
      command: c3cred
      args: ["kubectl", "--profile", %q]
      interactiveMode: Never
      installHint: c3cred hands out tokens for C3 AI apps; install it with ./install.sh
`, api.URL, base64.StdEncoding.EncodeToString(ca), apiVersion, profileName)
	path := filepath.Join(w.root, "kubeconfig")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.env["KUBECONFIG"] = path
}

func TestKubectlUsesThePlugin(t *testing.T) {
	kubectl := lookTool(t, "kubectl")
	for _, version := range []string{"client.authentication.k8s.io/v1",
		"client.authentication.k8s.io/v1beta1"} {
		t.Run(version, func(t *testing.T) {
			w := newWorld(t, standin.Options{}, "")
			api := newAPIServer(t, w.srv)
			w.useKubeconfig(api, version)

			first := w.runTool("", kubectl, "get", "--raw", "/version")
			mustSucceed(t, first)
			if !strings.Contains(first.stdout, "v1.32.0-c3cred-standin") {
				t.Fatalf("kubectl did not print the API's version:\n%v", first)
			}
			afterFirst := len(api.seen())
			mustSucceed(t, w.runTool("", kubectl, "get", "--raw", "/version"))

			// The machine's kubectl may be a dispatcher that asks the server's version first.
			seen := api.seen()
			if len(seen) <= afterFirst || !w.srv.Valid(seen[0]) {
				t.Errorf("the API saw %d requests, %d from the second run; "+
					"want a valid token in each", len(seen), len(seen)-afterFirst)
			}
			for i, token := range seen {
				if token != seen[0] {
					t.Errorf("request %d of %d carried another token", i+1, len(seen))
				}
			}
			if got := w.requests(); got != 1 {
				t.Errorf("two kubectl runs made %d token requests, want 1", got)
			}
		})
	}
}

// TestKubectlExecCredential runs the plugin as kubectl does and reads its answer.
func TestKubectlExecCredential(t *testing.T) {
	tests := []struct {
		name     string
		execInfo string // "" leaves KUBERNETES_EXEC_INFO unset
		want     string
	}{
		{"v1", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",` +
			`"spec":{"interactive":false}}`, "client.authentication.k8s.io/v1"},
		{"v1beta1 with cluster info", `{"kind":"ExecCredential","apiVersion":` +
			`"client.authentication.k8s.io/v1beta1","spec":{"cluster":{` +
			`"server":"https://127.0.0.1:1","insecure-skip-tls-verify":true,"config":null},` +
			`"interactive":false}}`, "client.authentication.k8s.io/v1beta1"},
		{"no KUBERNETES_EXEC_INFO", "", "client.authentication.k8s.io/v1"},
	}
	w := newWorld(t, standin.Options{}, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delete(w.env, "KUBERNETES_EXEC_INFO")
			if tt.execInfo != "" {
				w.env["KUBERNETES_EXEC_INFO"] = tt.execInfo
			}
			r := w.runIn("stdin is never read", "kubectl")
			mustSucceed(t, r)
			var cred struct {
				Kind       string `json:"kind"`
				APIVersion string `json:"apiVersion"`
				Status     struct {
					Token               string `json:"token"`
					ExpirationTimestamp string `json:"expirationTimestamp"`
				} `json:"status"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &cred); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%v", err, r)
			}
			valid := w.srv.Valid(cred.Status.Token)
			if cred.Kind != "ExecCredential" || cred.APIVersion != tt.want || !valid {
				t.Fatalf("got kind %q, apiVersion %q, valid token %v; want ExecCredential %s",
					cred.Kind, cred.APIVersion, valid, tt.want)
			}
			info, err := jwtinfo.Parse(cred.Status.Token)
			if err != nil {
				t.Fatal(err)
			}
			want := info.Expiry.UTC().Truncate(time.Second).Format(time.RFC3339)
			if got := cred.Status.ExpirationTimestamp; got != want {
				t.Errorf("expirationTimestamp %q, want the token's exp %q", got, want)
			}
		})
	}
	if got := w.requests(); got != 1 {
		t.Errorf("%d token requests, want 1", got)
	}
	const alpha = "client.authentication.k8s.io/v1alpha1"
	w.env["KUBERNETES_EXEC_INFO"] = `{"kind":"ExecCredential","apiVersion":"` + alpha + `"}`
	mustFail(t, w.run("kubectl"), 1, alpha)
}

// TestKubectlRefusedToken: the API refuses the cached token. kubectl runs the plugin again after
// the 401 (kubectl 1.32 does so for its next request; it does not retry the one refused), but
// the plugin cannot know the token was refused, so it answers the same one and kubectl fails.
// Once the token is dropped (by a 401 from whoami here, or logout) kubectl works with a new one.
func TestKubectlRefusedToken(t *testing.T) {
	kubectl := lookTool(t, "kubectl")
	w := newWorld(t, standin.Options{}, "")
	api := newAPIServer(t, w.srv)
	w.useKubeconfig(api, "client.authentication.k8s.io/v1")
	mustSucceed(t, w.runTool("", kubectl, "get", "--raw", "/version"))
	refused, before := api.seen()[0], len(api.seen())
	w.srv.Revoke(refused)

	w.env["C3CRED_DEBUG"] = "1"
	r := w.runTool("", kubectl, "get", "--raw", "/version")
	if r.code == 0 || !strings.Contains(r.stderr, "Unauthorized") {
		t.Fatalf("want kubectl to fail with Unauthorized:\n%v", r)
	}
	if runs := strings.Count(r.stderr, "c3cred: debug: cache hit"); runs < 2 {
		t.Errorf("kubectl ran the plugin %d times, want it run again after the 401:\n%s",
			runs, r.stderr)
	}
	seen := api.seen()[before:]
	if len(seen) == 0 {
		t.Errorf("the API saw no request after the token was refused")
	}
	for i, token := range seen {
		if token != refused {
			t.Errorf("request %d after the refusal carried another token", i+1)
		}
	}
	delete(w.env, "C3CRED_DEBUG")

	mustFail(t, w.run("whoami"), 1, "refused")
	mustSucceed(t, w.runTool("", kubectl, "get", "--raw", "/version"))
	seen = api.seen()
	if last := seen[len(seen)-1]; last == refused || !w.srv.Valid(last) {
		t.Errorf("after the refused token was dropped, kubectl did not use a new valid one")
	}
	if got := w.requests(); got != 2 {
		t.Errorf("%d token requests, want 2", got)
	}
}
