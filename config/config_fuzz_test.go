package config

import (
	"strings"
	"testing"
)

// FuzzParseDotenv checks that any .env content parses or fails with a
// message naming the line, never panics, and that what parses is
// trimmed KEY=VALUE pairs. Run longer with
//
//	go test ./config -run '^$' -fuzz '^FuzzParseDotenv$' -fuzztime 90s
func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{
		"# comment\n\nexport A=1\nB = \"two words\"\nC='x=y'\n",
		"oops\n", "=value\n", "A=\"unclosed\n", "A='\n", "A=\"\"\n", "export =1\n",
		"A=1\r\nB=2\r\n", "\xff\xfe=\x00\n", "DISCORD_TOKEN=canary-token\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseDotenv(strings.NewReader(in))
		if err != nil {
			if !strings.Contains(err.Error(), ".env") {
				t.Fatalf("error %q does not say it is about .env", err)
			}
			return
		}
		for k, v := range got {
			if k == "" || k != strings.TrimSpace(k) || strings.Contains(k, "\n") {
				t.Fatalf("key %q from %q", k, in)
			}
			if strings.Contains(v, "\n") {
				t.Fatalf("value %q of %s spans lines", v, k)
			}
		}
	})
}

// FuzzLoad sets one setting to an arbitrary value: Load never panics, an
// error names the setting it is about, and never repeats a secret's value.
//
//	go test ./config -run '^$' -fuzz '^FuzzLoad$' -fuzztime 90s
func FuzzLoad(f *testing.F) {
	for i, s := range Settings() {
		f.Add(uint8(i), s.Default, false)
		f.Add(uint8(i), "-1", true)
		f.Add(uint8(i), "1e309", false)
		f.Add(uint8(i), "99999999999999999999", false)
		f.Add(uint8(i), "  3s ", true)
	}
	f.Add(uint8(0), "\x00", false)
	f.Fuzz(func(t *testing.T, which uint8, value string, viaDotenv bool) {
		settings := Settings()
		s := settings[int(which)%len(settings)]
		env := map[string]string{}
		var dotenv map[string]string
		if viaDotenv {
			dotenv = map[string]string{s.Env: value}
		} else {
			env[s.Env] = value
		}
		c, err := Load(func(k string) string { return env[k] }, dotenv)
		if err == nil {
			if c.ShardID >= c.ShardCount || c.TopK < 1 || c.RatePerMinute < 1 || c.MaxConcurrent < 1 ||
				c.MaxQuestionLen < 10 || c.QuestionTimeout <= 0 || c.LLMTimeout <= 0 {
				t.Fatalf("%s=%q loaded an out-of-range config %+v", s.Env, value, c)
			}
			return
		}
		if !strings.Contains(err.Error(), s.Env) {
			t.Fatalf("%s=%q: error %q does not name the setting", s.Env, value, err)
		}
		if s.Secret && strings.TrimSpace(value) != "" && strings.Contains(err.Error(), strings.TrimSpace(value)) {
			t.Fatalf("%s: error %q repeats the secret", s.Env, err)
		}
	})
}
