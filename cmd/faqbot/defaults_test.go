package main

import (
	"testing"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/store"
)

// The bot's own defaults (used when a Config field is zero, as in tests and
// embedders of the package) are the settings' documented defaults: serve
// passes config's values, so a drift would show only outside serve.
func TestBotDefaultsMatchTheSettings(t *testing.T) {
	c, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.RatePerMinute != bot.DefaultRatePerMinute || c.MaxConcurrent != bot.DefaultMaxConcurrent ||
		c.MaxQuestionLen != bot.DefaultMaxQuestionLen || c.QuestionTimeout != bot.DefaultQuestionTimeout {
		t.Errorf("settings' defaults rate %d, concurrent %d, question length %d, timeout %v; bot's %d, %d, %d, %v",
			c.RatePerMinute, c.MaxConcurrent, c.MaxQuestionLen, c.QuestionTimeout,
			bot.DefaultRatePerMinute, bot.DefaultMaxConcurrent, bot.DefaultMaxQuestionLen, bot.DefaultQuestionTimeout)
	}
}

// The store's own check interval (used when a caller passes none) is the
// documented default of FAQBOT_DATABASE_CHECK, which serve passes: the
// two are written apart, as config does not import store.
func TestStoreDefaultsMatchTheSettings(t *testing.T) {
	c, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseCheck != store.DefaultDocumentCheck {
		t.Errorf("FAQBOT_DATABASE_CHECK defaults to %v, store.DefaultDocumentCheck is %v", c.DatabaseCheck, store.DefaultDocumentCheck)
	}
}
