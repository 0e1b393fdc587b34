package helper

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodConfig = `
default_profile = "prod"

[profiles.prod]
url = "https://cluster.c3.cloud/prod/myapp/"
client_id = "nvRQ1oF9R1uNhXu9NWUqAw"
client_secret_env = "C3_PROD_SECRET"
min_ttl = "2m"
timeout = "30s"

[profiles.dev]
url = "http://127.0.0.1:8080/dev/app"
client_id = "dev-client"
token_url = "http://localhost:8080/custom/token"
cache = "file"
`

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig("config.toml", []byte(goodConfig))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	prod := cfg.Profiles["prod"]
	checks := []struct{ name, got, want string }{
		{"prod url trimmed", prod.URL, "https://cluster.c3.cloud/prod/myapp"},
		{"prod token_url default", prod.TokenURL, "https://cluster.c3.cloud/prod/myapp/oauth/token"},
		{"prod cache default", prod.Cache, "auto"},
		{"prod min_ttl", time.Duration(prod.MinTTL).String(), "2m0s"},
		{"prod timeout", time.Duration(prod.Timeout).String(), "30s"},
		{"dev token_url kept", cfg.Profiles["dev"].TokenURL, "http://localhost:8080/custom/token"},
		{"dev min_ttl default", time.Duration(cfg.Profiles["dev"].MinTTL).String(), "5m0s"},
		{"dev timeout default", time.Duration(cfg.Profiles["dev"].Timeout).String(), "10s"},
		{"dev name", cfg.Profiles["dev"].Name, "dev"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	const head = "[profiles.p]\nurl = \"https://h/app\"\nclient_id = \"c\"\n"
	tests := []struct {
		name, config, want string
	}{
		{"syntax error names the line", "[profiles.p]\nurl = \"https://h\"\nclient_id = \n",
			"config.toml:3:"},
		{"unknown key", head + "clent_secret_env = \"X\"\n", `unknown key "profiles.p.clent_secret_env"`},
		{"unknown top-level key", "defualt_profile = \"p\"\n" + head, `unknown key "defualt_profile"`},
		{"missing url", "[profiles.p]\nclient_id = \"c\"\n", `profile "p": url is required`},
		{"missing client_id", "[profiles.p]\nurl = \"https://h\"\n", `profile "p": client_id is required`},
		{"http to a remote host", "[profiles.p]\nurl = \"http://example.com/app\"\nclient_id = \"c\"\n",
			"plain http to a host that is not loopback"},
		{"http token_url", head + "token_url = \"http://10.0.0.1/t\"\n", "token_url"},
		{"ftp url", "[profiles.p]\nurl = \"ftp://h/app\"\nclient_id = \"c\"\n", `scheme "ftp"`},
		{"relative url", "[profiles.p]\nurl = \"/prod/app\"\nclient_id = \"c\"\n", "not an absolute URL"},
		{"credentials in url", "[profiles.p]\nurl = \"https://u:pw@h/app\"\nclient_id = \"c\"\n",
			"carries credentials"},
		{"two secret sources", head + "client_secret_env = \"A\"\nclient_secret_file = \"/f\"\n",
			"at most one of"},
		{"bad duration", head + "min_ttl = \"5 minutes\"\n", "not a duration"},
		{"integer duration", head + "timeout = 10\n", "timeout"},
		{"negative duration", head + "timeout = \"-1s\"\n", "negative"},
		{"bad cache", head + "cache = \"redis\"\n", `cache "redis" is not one of`},
		{"undefined default", "default_profile = \"q\"\n" + head, `default_profile "q" is not defined`},
		{"wrong type", "[profiles.p]\nurl = 5\nclient_id = \"c\"\n", "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("config.toml", []byte(tt.config))
			if err == nil {
				t.Fatalf("ParseConfig accepted:\n%s", tt.config)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tt.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	two, err := ParseConfig("c.toml", []byte(strings.Replace(goodConfig, `default_profile = "prod"`, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	withDefault, _ := ParseConfig("c.toml", []byte(goodConfig))
	one, _ := ParseConfig("c.toml", []byte("[profiles.only]\nurl = \"https://h/a\"\nclient_id = \"c\"\n"))
	tests := []struct {
		name    string
		cfg     *Config
		ask     string
		want    string
		wantErr string
	}{
		{"named", withDefault, "dev", "dev", ""},
		{"default", withDefault, "", "prod", ""},
		{"only profile", one, "", "only", ""},
		{"ambiguous", two, "", "", "no default_profile"},
		{"unknown", withDefault, "nope", "", `unknown profile "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.cfg.Select(tt.ask)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || p.Name != tt.want {
				t.Fatalf("got %v, %v; want profile %q", p, err, tt.want)
			}
		})
	}
}

func TestReadConfigPermissions(t *testing.T) {
	const inline = "[profiles.p]\nurl = \"https://h/a\"\nclient_id = \"c\"\nclient_secret = \"s3cr3t\"\n"
	tests := []struct {
		name    string
		mode    os.FileMode
		body    string
		wantErr string
	}{
		{"private inline secret", 0o600, inline, ""},
		{"readable inline secret", 0o644, inline, "readable by others"},
		{"readable without secret", 0o644, "[profiles.p]\nurl = \"https://h/a\"\nclient_id = \"c\"\n", ""},
		{"writable by others", 0o666, "[profiles.p]\nurl = \"https://h/a\"\nclient_id = \"c\"\n",
			"writable by group or others"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(tt.body), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := ReadConfig(path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ReadConfig: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Fatalf("error reveals the secret: %v", err)
			}
		})
	}
}

// TestConfigFiles parses each file in testdata/config: the good ones must parse, and each bad-*
// one must fail with the message its first line names after "# want: ".
func TestConfigFiles(t *testing.T) {
	for name, data := range readSeeds(t, "../testdata/config/*.toml") {
		t.Run(name, func(t *testing.T) {
			first, _, _ := strings.Cut(data, "\n")
			want, bad := strings.CutPrefix(first, "# want: ")
			_, err := ParseConfig(name, []byte(data))
			switch {
			case !bad && err != nil:
				t.Errorf("ParseConfig: %v", err)
			case bad && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("got %v, want an error containing %q", err, want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, data := range readSeeds(f, "../testdata/config/*.toml") {
		f.Add(data)
	}
	f.Add(goodConfig)
	f.Add("[profiles.p]\nurl = \"https://h/a\"\nclient_id = \"c\"\nmin_ttl = \"1h\"\n")
	f.Add("default_profile = 3\n[profiles]\np = 1\n")
	f.Fuzz(func(t *testing.T, data string) {
		cfg, err := ParseConfig("fuzz.toml", []byte(data))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for name, p := range cfg.Profiles {
			if p.URL == "" || p.ClientID == "" || p.TokenURL == "" || p.Timeout <= 0 {
				t.Errorf("profile %q accepted incomplete: %+v", name, p)
			}
		}
	})
}
