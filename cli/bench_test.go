package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"c3cred/cache"
)

// BenchmarkCachedCall runs cached calls in-process: the whole cache-hit path of `token`,
// `kubectl` and `git-credential get` (config read and parse, cache read, freshness check, print),
// without the process start that bench/ times. Profile it with
//
//	go test -run '^$' -bench CachedCall -benchmem -cpuprofile cpu.out ./cli
//	go tool pprof -top -cum cpu.out
func BenchmarkCachedCall(b *testing.B) {
	getenv, token := seedCachedHome(b)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"token", []string{"c3cred", "token"}, "", `"access_token":"` + token + `"`},
		{"kubectl", []string{"c3cred", "kubectl"}, "", `"token":"` + token + `"`},
		{"git-credential get", []string{"git-credential-c3", "get"},
			"protocol=https\nhost=c3.example\n\n", "password=" + token + "\n"},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				var stdout, stderr strings.Builder
				code := Run(tt.args, Env{Stdin: strings.NewReader(tt.stdin), Stdout: &stdout,
					Stderr: &stderr, Getenv: getenv})
				if code != 0 || !strings.Contains(stdout.String(), tt.want) || stderr.Len() > 0 {
					b.Fatalf("exit %d, stderr %q; stdout %.60q does not hold the cached token",
						code, stderr.String(), stdout.String())
				}
			}
		})
	}
}

// seedCachedHome makes a private home whose one profile has a fresh token in the file cache, and
// returns the environment to run c3cred with, and that token. The profile's host is never
// contacted: a call that tried would fail the benchmark.
func seedCachedHome(b *testing.B) (getenv func(string) string, token string) {
	b.Helper()
	root := b.TempDir()
	env := map[string]string{
		"HOME":            filepath.Join(root, "home"),
		"XDG_CONFIG_HOME": filepath.Join(root, "config"),
		"XDG_CONFIG_DIRS": filepath.Join(root, "etc-xdg"),
		"XDG_STATE_HOME":  filepath.Join(root, "state"),
		"C3CRED_CONFIG":   filepath.Join(root, "config", "c3cred", "config.toml"),
	}
	// The state folder is read from the process environment, through package xdg.
	for name, value := range env {
		b.Setenv(name, value)
	}
	xdg.Reload()
	b.Cleanup(xdg.Reload)

	const url, clientID = "https://c3.example/prod/myapp", "bench-client"
	config := "[profiles.bench]\nurl = \"" + url + "\"\nclient_id = \"" + clientID + "\"\n" +
		"client_secret_env = \"C3_BENCH_SECRET\"\ncache = \"file\"\n"
	if err := os.MkdirAll(filepath.Dir(env["C3CRED_CONFIG"]), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(env["C3CRED_CONFIG"], []byte(config), 0o600); err != nil {
		b.Fatal(err)
	}

	// A platform token is an RS512 JWT of about a kilobyte.
	token = "eyJhbGciOiJSUzUxMiJ9." + strings.Repeat("x", 700) + "." + strings.Repeat("s", 342)
	now := time.Now()
	store := &cache.File{Dir: filepath.Join(env["XDG_STATE_HOME"], "c3cred", "tokens")}
	entry := cache.Entry{AccessToken: token, ObtainedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := store.Save(cache.Key("bench", url, url+"/oauth/token", clientID), entry); err != nil {
		b.Fatal(err)
	}
	return func(name string) string { return env[name] }, token
}
