package main

import (
	"context"
	"fmt"

	"github.com/faqbot/faqbot/config"
)

func runSettings(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("settings", "settings", e.stderr)
	if _, err := parseCommand(fs, args, "settings"); err != nil {
		return err
	}
	_, err := fmt.Fprint(e.stdout, config.Example())
	return err
}
