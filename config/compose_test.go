package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestComposeFilesUseSettings: every setting the docker-compose examples
// give a service is one faqbot knows, so that an example never goes on
// setting a name that was renamed or mistyped (faqbot would only warn).
func TestComposeFilesUseSettings(t *testing.T) {
	known := map[string]bool{}
	for _, s := range Settings() {
		known[s.Env] = true
	}
	files, err := filepath.Glob("../docker-compose*.yml")
	if err != nil || len(files) < 2 {
		t.Fatalf("compose files: %v (%v), want the single-machine and the shards examples", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Services map[string]struct {
				Environment map[string]string `yaml:"environment"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, svc := range doc.Services {
			for k := range svc.Environment {
				if (strings.HasPrefix(k, "FAQBOT_") || strings.HasPrefix(k, "DISCORD_") || strings.HasPrefix(k, "OPENAI_")) && !known[k] {
					t.Errorf("%s: service %s sets %s, which is no setting", filepath.Base(f), name, k)
				}
			}
		}
	}
}
