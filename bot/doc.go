// Package bot is faqbot's Discord front end: the /ask, /sources, /reindex
// and /help commands, answers to mentions in threads with follow-ups,
// answer embeds with their sources and feedback buttons, and the limits
// that protect the bot (per-user rate, concurrent answers with a queue,
// question length, timeouts).
//
// Handlers take a context and typed data and return a Reply; a small
// adapter sends replies through the few discordgo methods of the session
// interface, always with allowed mentions that parse nothing. Run drives a
// real *discordgo.Session; tests drive it against the fake Discord of
// package discordtest.
package bot
