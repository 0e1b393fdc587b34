package helper

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParseGitRequestFromGit(t *testing.T) {
	tests := []struct {
		file string
		want GitRequest
	}{
		{"get-host.txt", GitRequest{Protocol: "https", Host: "cluster.c3.cloud"}},
		{"get-path.txt", GitRequest{Protocol: "https", Host: "cluster.c3.cloud",
			Path: "prod/myapp/git/repo.git"}},
		{"erase.txt", GitRequest{Protocol: "http", Host: "127.0.0.1:8080"}},
		{"store.txt", GitRequest{Protocol: "http", Host: "127.0.0.1:8080"}},
		{"fill-url.txt", GitRequest{Protocol: "https", Host: "cluster.c3.cloud",
			Path: "prod/myapp/git/repo.git"}},
		{"get-authtype.txt", GitRequest{Protocol: "https", Host: "cluster.c3.cloud:8443",
			Capabilities: []string{"authtype", "state"},
			WWWAuth:      []string{`Bearer realm="c3"`, `Basic realm="c3"`}}},
	}
	seeds := readSeeds(t, "testdata/git/*.txt")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseGitRequest(strings.NewReader(seeds[tt.file]))
			if err != nil {
				t.Fatalf("ParseGitRequest: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseGitRequestEdges(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    GitRequest
		wantErr string
	}{
		{"empty input", "", GitRequest{}, ""},
		{"CRLF lines", "protocol=https\r\nhost=h\r\n\r\n",
			GitRequest{Protocol: "https", Host: "h"}, ""},
		{"stray carriage returns", "host=h\r\r\n", GitRequest{Host: "h"}, ""},
		{"no final newline", "protocol=https\nhost=h",
			GitRequest{Protocol: "https", Host: "h"}, ""},
		{"stops at the blank line", "host=h\n\nhost=other\nnot a line\n",
			GitRequest{Host: "h"}, ""},
		{"value holds =", "path=a=b\n", GitRequest{Path: "a=b"}, ""},
		{"unknown keys ignored", "quit=1\nfuture[]=x\nusername=u\npassword=p\nhost=h\n",
			GitRequest{Host: "h"}, ""},
		{"empty capability[] clears the list", "capability[]=a\ncapability[]=\ncapability[]=b\n",
			GitRequest{Capabilities: []string{"b"}}, ""},
		{"url= with port and user", "url=https://alice@h.example:8443/p/repo.git\n",
			GitRequest{Protocol: "https", Host: "h.example:8443", Path: "p/repo.git"}, ""},
		{"url= without a path keeps an earlier path", "path=a/b\nurl=https://h\n",
			GitRequest{Protocol: "https", Host: "h", Path: "a/b"}, ""},
		{"a later host wins over url=", "url=https://h/p\nhost=g\n",
			GitRequest{Protocol: "https", Host: "g", Path: "p"}, ""},
		{"url= decodes the path", "url=https://h/my%20app/x\n",
			GitRequest{Protocol: "https", Host: "h", Path: "my app/x"}, ""},
		{"line without =", "protocol=https\nhost\n", GitRequest{}, "line 2: not a key=value line"},
		{"empty key", "=value\n", GitRequest{}, "line 1: not a key=value line"},
		{"NUL byte", "host=h\x00\n", GitRequest{}, "NUL"},
		{"url= without a scheme", "url=cluster.c3.cloud/prod\n", GitRequest{},
			"no protocol://host"},
		{"url= with a newline in its path", "url=https://h/a%0Ab\n", GitRequest{}, "newline"},
		{"too big", strings.Repeat("wwwauth[]=Basic realm=x\n", maxGitInput/24+1), GitRequest{},
			"over 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGitRequest(strings.NewReader(tt.input))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrGitInput) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an ErrGitInput containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseGitRequestKeepsInputOutOfErrors(t *testing.T) {
	_, err := ParseGitRequest(strings.NewReader("password=hunter2-secret\nhunter2-secret\n"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("got %v; want an error that does not quote the input", err)
	}
	_, err = ParseGitRequest(iotest.ErrReader(errors.New("pipe broke")))
	if err == nil || !strings.Contains(err.Error(), "pipe broke") {
		t.Errorf("got %v; want the read error", err)
	}
}

const gitConfig = `
default_profile = "prod"
[profiles.prod]
url = "https://cluster.c3.cloud/prod/myapp"
client_id = "p"
[profiles.dev]
url = "https://cluster.c3.cloud/dev/myapp"
client_id = "d"
[profiles.vanity]
url = "https://myapp.example.com"
client_id = "v"
[profiles.vanity2]
url = "https://myapp.example.com/"
client_id = "v2"
[profiles.local]
url = "http://127.0.0.1:8080/prod/x"
client_id = "l"
[profiles.ported]
url = "https://other.c3.cloud:8443/prod/myapp"
client_id = "o"
[profiles.explicit]
url = "https://third.c3.cloud:443/app"
client_id = "e"
`

func TestGitProfile(t *testing.T) {
	cfg, err := ParseConfig("c.toml", []byte(gitConfig))
	if err != nil {
		t.Fatal(err)
	}
	noDefault, _ := ParseConfig("c.toml", []byte(strings.Replace(gitConfig,
		`default_profile = "prod"`, "", 1)))
	tests := []struct {
		name      string
		cfg       *Config
		req       GitRequest
		preferred string
		want      string // "" for no profile
		wantErr   error
	}{
		{"path picks the app", cfg, GitRequest{Protocol: "https", Host: "cluster.c3.cloud",
			Path: "dev/myapp/git/repo.git"}, "", "dev", nil},
		{"path equal to the app's", cfg, GitRequest{Protocol: "https", Host: "cluster.c3.cloud",
			Path: "prod/myapp"}, "", "prod", nil},
		{"path of another app", cfg, GitRequest{Protocol: "https", Host: "cluster.c3.cloud",
			Path: "test/myapp/repo.git"}, "", "", nil},
		{"prefix only at a segment boundary", cfg, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud", Path: "prod/myapp2/repo.git"}, "", "", nil},
		{"host only: tie goes to preferred", cfg, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud"}, "dev", "dev", nil},
		{"host only: tie goes to the default", cfg, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud"}, "", "prod", nil},
		{"host only: preferred elsewhere, default wins", cfg, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud"}, "local", "prod", nil},
		{"host only, no default: ambiguous", noDefault, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud"}, "", "", ErrGitAmbiguous},
		{"host is case-blind", cfg, GitRequest{Protocol: "HTTPS", Host: "Cluster.C3.Cloud",
			Path: "prod/myapp/x"}, "", "prod", nil},
		{"scheme must match", cfg, GitRequest{Protocol: "http", Host: "cluster.c3.cloud"}, "",
			"", nil},
		{"port must match", cfg, GitRequest{Protocol: "https", Host: "other.c3.cloud"}, "",
			"", nil},
		{"port given", cfg, GitRequest{Protocol: "https", Host: "other.c3.cloud:8443"}, "",
			"ported", nil},
		{"default port written by git", cfg, GitRequest{Protocol: "https",
			Host: "cluster.c3.cloud:443", Path: "prod/myapp/r"}, "", "prod", nil},
		{"default port written in the url", cfg, GitRequest{Protocol: "https",
			Host: "third.c3.cloud"}, "", "explicit", nil},
		{"loopback over http", cfg, GitRequest{Protocol: "http", Host: "127.0.0.1:8080"}, "",
			"local", nil},
		{"vanity urls tie on any path", noDefault, GitRequest{Protocol: "https",
			Host: "myapp.example.com", Path: "r.git"}, "", "", ErrGitAmbiguous},
		{"unknown host", cfg, GitRequest{Protocol: "https", Host: "github.com"}, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.cfg.GitProfile(&tt.req, tt.preferred)
			got := ""
			if p != nil {
				got = p.Name
			}
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestGitSafe(t *testing.T) {
	tests := []struct {
		protocol, host string
		want           bool
	}{
		{"https", "github.com", true},
		{"HTTPS", "h:8443", true},
		{"http", "127.0.0.1:8080", true},
		{"http", "localhost", true},
		{"http", "[::1]:80", true},
		{"http", "example.com", false},
		{"http", "127.0.0.1.example.com", false},
		{"ssh", "127.0.0.1", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := GitSafe(&GitRequest{Protocol: tt.protocol, Host: tt.host}); got != tt.want {
			t.Errorf("GitSafe(%s://%s) = %v, want %v", tt.protocol, tt.host, got, tt.want)
		}
	}
}

func TestGitAnswer(t *testing.T) {
	exp := time.Date(2025, 6, 18, 20, 23, 22, 122e6, time.UTC)
	tok := &Token{AccessToken: "eyJ.tok.en", ExpiresAt: exp}
	tests := []struct {
		name string
		req  GitRequest
		tok  *Token
		want string
	}{
		{"git 2.39", GitRequest{}, tok,
			"username=cid\npassword=eyJ.tok.en\npassword_expiry_utc=1750278202\n"},
		{"authtype announced", GitRequest{Capabilities: []string{"state", "authtype"}}, tok,
			"capability[]=authtype\nauthtype=Bearer\ncredential=eyJ.tok.en\n" +
				"username=cid\npassword=eyJ.tok.en\npassword_expiry_utc=1750278202\n"},
		{"other capabilities only", GitRequest{Capabilities: []string{"state"}}, tok,
			"username=cid\npassword=eyJ.tok.en\npassword_expiry_utc=1750278202\n"},
		{"expiry unknown", GitRequest{}, &Token{AccessToken: "opaque"},
			"username=cid\npassword=opaque\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GitAnswer(&tt.req, "cid", tt.tok)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"a\nquit=1", "a\x00b"} {
		if _, err := GitAnswer(&GitRequest{}, "cid", &Token{AccessToken: bad}); err == nil ||
			strings.Contains(err.Error(), bad) {
			t.Errorf("token %q: got %v, want an error that does not quote it", bad, err)
		}
	}
}

// encodeGitRequest writes req back in git's form, for the round trip in FuzzParseGitRequest.
func encodeGitRequest(req *GitRequest) string {
	var b strings.Builder
	for _, c := range req.Capabilities {
		b.WriteString("capability[]=" + c + "\n")
	}
	b.WriteString("protocol=" + req.Protocol + "\nhost=" + req.Host + "\npath=" + req.Path + "\n")
	for _, w := range req.WWWAuth {
		b.WriteString("wwwauth[]=" + w + "\n")
	}
	return b.String() + "\n"
}

// FuzzParseGitRequest checks that any input either fails cleanly or parses to a request that
// survives being written back in git's form and read again, and whose answer git can read.
func FuzzParseGitRequest(f *testing.F) {
	seeds := readSeeds(f, "testdata/git/*.txt")
	for _, name := range []string{"get-host.txt", "get-path.txt", "erase.txt", "store.txt",
		"fill-url.txt", "get-authtype.txt"} {
		f.Add(seeds[name])
	}
	f.Add("url=https://u:p@[::1]:8443/a%2Fb?q#f\ncapability[]=\n")
	f.Fuzz(func(t *testing.T, input string) {
		req, err := ParseGitRequest(strings.NewReader(input))
		if err != nil {
			if !errors.Is(err, ErrGitInput) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line wrapping ErrGitInput", err)
			}
			return
		}
		again, err := ParseGitRequest(strings.NewReader(encodeGitRequest(req)))
		if err != nil || !reflect.DeepEqual(normalized(req), normalized(again)) {
			t.Fatalf("round trip: %+v became %+v (%v)", req, again, err)
		}
		tok := &Token{AccessToken: "t.o.k", ExpiresAt: time.Unix(1e9, 0)}
		out, err := GitAnswer(req, "cid", tok)
		if err != nil || strings.Count(string(out), "\n") != strings.Count(string(out), "=") {
			t.Fatalf("answer %q, %v: want one key=value per line", out, err)
		}
	})
}

// normalized treats an empty list as no list, as git does.
func normalized(req *GitRequest) GitRequest {
	out := *req
	if len(out.Capabilities) == 0 {
		out.Capabilities = nil
	}
	if len(out.WWWAuth) == 0 {
		out.WWWAuth = nil
	}
	return out
}
