package main

import (
	"context"
	"fmt"

	"github.com/faqbot/faqbot/config"
)

func runSettings(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("settings takes no arguments")
	}
	_, err := fmt.Fprint(e.stdout, config.Example())
	return err
}
