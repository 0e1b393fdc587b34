package helper

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseExecInfoFromKubectl(t *testing.T) {
	tests := []struct {
		file        string
		version     string
		interactive bool
	}{
		{"v1-never.json", ExecV1, false},
		{"v1-always-terminal.json", ExecV1, true},
		{"v1beta1-cluster-info.json", ExecV1beta1, false},
		{"v1-cluster-ca-extension.json", ExecV1, false},
	}
	seeds := readSeeds(t, "testdata/execinfo/*.json")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseExecInfo(seeds[tt.file])
			if err != nil {
				t.Fatalf("ParseExecInfo: %v", err)
			}
			want := ExecInfo{APIVersion: tt.version, Interactive: tt.interactive}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseExecInfoEdges(t *testing.T) {
	const alpha = "client.authentication.k8s.io/v1alpha1"
	tests := []struct {
		name    string
		raw     string
		want    string // the apiVersion, when it parses
		wantErr string
	}{
		{"absent", "", ExecV1, ""},
		{"blank", " \n", ExecV1, ""},
		{"v1alpha1", `{"kind":"ExecCredential","apiVersion":"` + alpha + `"}`, "",
			`asks for apiVersion "` + alpha + `"`},
		{"no apiVersion", `{"kind":"ExecCredential","spec":{}}`, "", `asks for apiVersion ""`},
		{"another kind", `{"kind":"Pod","apiVersion":"` + ExecV1 + `"}`, "", `kind "Pod"`},
		{"no kind", `{"apiVersion":"` + ExecV1 + `"}`, "", `kind ""`},
		{"not JSON", "client.authentication.k8s.io/v1", "", "not ExecCredential JSON"},
		{"JSON array", `[]`, "", "not ExecCredential JSON"},
		{"truncated", `{"kind":"ExecCredential","apiVersion":"client.auth`, "",
			"not ExecCredential JSON"},
		{"terminal escape in version", `{"kind":"ExecCredential","apiVersion":"v9\u001b[2J"}`, "",
			`"v9 [2J"`},
		{"huge", `{"kind":"ExecCredential","x":"` + strings.Repeat("a", maxExecInfoSize) + `"}`, "",
			"over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExecInfo(tt.raw)
			if tt.wantErr == "" {
				if err != nil || got.APIVersion != tt.want {
					t.Fatalf("got %+v, %v; want apiVersion %s", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrExecInfo) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %+v, %v; want an ErrExecInfo containing %q", got, err, tt.wantErr)
			}
			if strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Errorf("error %q is not one clean line", err)
			}
		})
	}
}

func TestExecCredential(t *testing.T) {
	exp := time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC)
	tests := []struct {
		name    string
		tok     *Token
		version string
		want    string
	}{
		{"v1 with expiry", &Token{AccessToken: "tok.en.1", ExpiresAt: exp}, ExecV1,
			`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",` +
				`"status":{"token":"tok.en.1",` +
				`"expirationTimestamp":"2025-06-18T20:23:22Z"}}` + "\n"},
		{"v1beta1, local time written in UTC",
			&Token{AccessToken: "t", ExpiresAt: exp.In(time.FixedZone("CEST", 2*3600))},
			ExecV1beta1,
			`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",` +
				`"status":{"token":"t","expirationTimestamp":"2025-06-18T20:23:22Z"}}` + "\n"},
		{"expiry unknown", &Token{AccessToken: "t"}, ExecV1,
			`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",` +
				`"status":{"token":"t"}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExecCredential(tt.tok, tt.version)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
	if _, err := ExecCredential(&Token{AccessToken: "t"}, "v1"); err == nil {
		t.Errorf("ExecCredential accepted apiVersion v1")
	}
}

// FuzzParseExecInfo checks that any KUBERNETES_EXEC_INFO either fails cleanly or yields a version
// whose ExecCredential kubectl can decode and match.
func FuzzParseExecInfo(f *testing.F) {
	seeds := readSeeds(f, "testdata/execinfo/*.json")
	for _, name := range slices.Sorted(maps.Keys(seeds)) {
		f.Add(seeds[name])
	}
	f.Add("")
	f.Add(`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		info, err := ParseExecInfo(raw)
		if err != nil {
			if !errors.Is(err, ErrExecInfo) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line wrapping ErrExecInfo", err)
			}
			return
		}
		out, err := ExecCredential(&Token{AccessToken: "a.b.c", ExpiresAt: time.Unix(1e9, 0)},
			info.APIVersion)
		if err != nil {
			t.Fatalf("ExecCredential(%q): %v", info.APIVersion, err)
		}
		var back struct {
			APIVersion string `json:"apiVersion"`
			Status     struct {
				Token string `json:"token"`
			} `json:"status"`
		}
		if err := json.Unmarshal(out, &back); err != nil || back.APIVersion != info.APIVersion ||
			back.Status.Token != "a.b.c" {
			t.Fatalf("ExecCredential wrote %s (%v) for %q", out, err, info.APIVersion)
		}
	})
}
