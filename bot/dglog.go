package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"
)

// discordgoLogs holds where discordgo's log messages go. discordgo logs
// through a package variable, discordgo.Logger, not per session (unset, it
// writes "[DG0] wsapi.go:…" lines with the standard log package, beside
// our structured logs), so the routing is process-wide whatever we do: the
// variable is set once, before the first session starts, and reads the
// logger of the bot that runs from here.
var discordgoLogs struct {
	once sync.Once
	lg   atomic.Pointer[slog.Logger]
}

// RouteDiscordgoLogs sends discordgo's log messages to lg, until the
// returned function is called. Call it before the session starts; one
// process runs one bot at a time (faqbot serve), and the latest call wins.
func RouteDiscordgoLogs(lg *slog.Logger) (stop func()) {
	discordgoLogs.once.Do(func() {
		discordgo.Logger = discordgoLogFunc(discordgoLogs.lg.Load)
	})
	discordgoLogs.lg.Store(lg)
	return func() { discordgoLogs.lg.CompareAndSwap(lg, nil) }
}

// discordgoLogFunc returns a discordgo.Logger that logs through the logger
// current returns, at the slog level matching discordgo's, and drops the
// message when there is none.
func discordgoLogFunc(current func() *slog.Logger) func(level, caller int, format string, a ...any) {
	return func(level, _ int, format string, a ...any) {
		lg := current()
		if lg == nil {
			return
		}
		lg.Log(context.Background(), discordgoLevel(level), strings.TrimSpace(fmt.Sprintf(format, a...)))
	}
}

// discordgoLevel maps discordgo's log levels to slog's: its informational
// messages ("called", "sending heartbeat") are debugging detail to us.
func discordgoLevel(level int) slog.Level {
	switch level {
	case discordgo.LogError:
		return slog.LevelError
	case discordgo.LogWarning:
		return slog.LevelWarn
	case discordgo.LogInformational:
		return slog.LevelDebug
	}
	return slog.LevelDebug - 4
}
