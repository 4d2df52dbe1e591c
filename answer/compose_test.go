package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/retrieval"
)

// TestExtractiveComposition checks how an offline answer reads: a lead-in
// keeps the list, table rows or code it introduces; an FAQ entry leads
// with its own answer; one source unless a second adds a missing part;
// Markdown Discord renders; nothing dangling, nothing over the limit.
func TestExtractiveComposition(t *testing.T) {
	tests := []struct {
		name     string
		question string
		hits     []retrieval.Hit
		want     []string // substrings, in this order
		wantNot  []string
		sources  int // citations expected
	}{
		{
			name:     "a lead-in keeps its list",
			question: "when is the message content intent not needed?",
			hits: []retrieval.Hit{
				hit("intents.md#2", "Message content", "Bots read messages through the gateway.\n\nThe Message Content intent is not needed for your app to access message content in these situations:\n\n- Content in messages that your app sends\n\n- Content in DMs with your app\n\n- Content in which your app is mentioned", 0.8),
				hit("other.md#0", "Other", "The message content intent is a privileged intent that large bots must apply for.", 0.5),
			},
			want:    []string{"in these situations:\n- Content in messages that your app sends\n- Content in DMs with your app\n- Content in which your app is mentioned [1]"},
			sources: 1,
		},
		{
			name:     "a lead-in keeps its code",
			question: "how do i get a refund",
			hits: []retrieval.Hit{
				hit("billing.md#3", "Refunds", "Refunds are issued for annual plans within 14 days. To start a refund, run:\n\n```bash\nlumen billing refund --invoice INV-2024-0042\n```\n\nThe money arrives within five working days.", 0.7),
			},
			want:    []string{"To start a refund, run:\n```bash\nlumen billing refund --invoice INV-2024-0042\n```"},
			sources: 1,
		},
		{
			name:     "code found by its words comes with the sentences that introduce it",
			question: "how do i highlight lines 3-5",
			hits: []retrieval.Hit{
				hit("changelog.mdx#9", "Code line highlighting", "You can now highlight lines of code. Use curly braces and give line numbers or ranges.\n\n````mdx\n```js Example {1,3-5}\nconst a = 1;\n```\n````", 0.7),
			},
			want:    []string{"You can now highlight lines of code. Use curly braces", "````mdx\n```js Example {1,3-5}\nconst a = 1;\n```\n````"},
			sources: 1,
		},
		{
			name:     "a command page's item keeps its command",
			question: "how do I extract a tar archive",
			hits: []retrieval.Hit{
				hit("tar.md#0", "tar", "Archiving utility.\n\n- Create an archive and write it to a file:\n\n`tar cf path/to/target.tar path/to/file1`\n\n- Extract a (compressed) archive file into the current directory verbosely:\n\n`tar xvf path/to/source.tar`\n\n- List the contents of a tar file:\n\n`tar tvf path/to/source.tar`", 0.7),
			},
			want:    []string{"- Extract a (compressed) archive file into the current directory verbosely:\n`tar xvf path/to/source.tar`"},
			sources: 1,
		},
		{
			name:     "a table row is quoted whole with its column names",
			question: "what is the maximum length of message content",
			hits: []retrieval.Hit{
				hit("limits.mdx#1", "Limits at a glance", "Harbor Chat caps every message.\n\n- Field: Message content; Limit: 6000 characters; Notes: Counted after mentions are expanded\n\n- Field: Embed title; Limit: 256 characters", 0.7),
			},
			want:    []string{"- Field: Message content; Limit: 6000 characters; Notes: Counted after mentions are expanded"},
			sources: 1,
		},
		{
			name:     "an FAQ entry leads with its own answer",
			question: "can i get my money back on a yearly plan?",
			hits: []retrieval.Hit{
				hit("faq.md#4", "Can I get a refund?", "Yes, within 14 days of an annual purchase we refund the unused months in full. Monthly plans are not refunded. Some customers ask whether a yearly plan can get money back after the first month: it cannot.", 0.8),
				hit("faq.md#5", "How do I change plans?", "You can switch from a monthly plan to a yearly plan at any time from the billing page.", 0.6),
			},
			want:    []string{"Yes, within 14 days of an annual purchase"},
			sources: 1,
		},
		{
			name:     "a long FAQ entry leads with its opening, then skips to the part asked about",
			question: "how do i make git use ssh for private modules",
			hits: []retrieval.Hit{
				hit("faq.html#40", "Why does the tool use HTTPS?", strings.Repeat("Companies often permit outgoing traffic only on the standard ports, and the tool therefore fetches over HTTPS for safety and for reach. ", 5)+"\n\nTo use SSH in place of HTTPS for private modules, add an insteadOf rule to your git config.", 0.8),
			},
			want:    []string{"Companies often permit", "\n\n…\n\nTo use SSH in place of HTTPS for private modules, add an insteadOf rule to your git config. [1]"},
			sources: 1,
		},
		{
			name:     "a top-ranked FAQ entry answers even when a lower passage repeats more of the question's words",
			question: "how do i set up unit checks for my package, file naming etc",
			hits: []retrieval.Hit{
				hit("faq.html#86", "How do I write a unit test?", "Create a new file ending in _test.go in the same directory as your package sources. Run go test in that directory.", 0.55),
				hit("faq.html#56", "How should I manage package versions?", "To set up a package, name it and check it in: package files and package naming are covered by modules, which check versions for you.", 0.52),
			},
			want:    []string{"Create a new file ending in _test.go"},
			wantNot: []string{"modules"},
			sources: 1,
		},
		{
			name:     "no stitching across documents when the first answers",
			question: "how long did the talks in florida last",
			hits: []retrieval.Hit{
				hit("talks.txt#2", "Talks in Florida", "The talks took place in Florida. They lasted over four hours and were deemed productive by both sides.", 0.8),
				hit("news.txt#1", "Other talks", "Talks in Florida were also held last year and lasted two days.", 0.7),
			},
			want:    []string{"The talks took place in Florida. They lasted over four hours"},
			wantNot: []string{"two days"},
			sources: 1,
		},
		{
			name:     "a second source when it adds a missing part",
			question: "how long did the florida talks last and who led the ukrainian delegation",
			hits: []retrieval.Hit{
				hit("talks.txt#2", "Talks in Florida", "The talks took place in Florida. They lasted over four hours and were deemed productive by both sides.", 0.8),
				hit("people.txt#0", "Delegations", "Rustem Umerov led the Ukrainian delegation.", 0.7),
			},
			want:    []string{"four hours", "[1]", "Rustem Umerov led the Ukrainian delegation. [2]"},
			sources: 2,
		},
		{
			name:     "a list too long to fit is cut between items, and says so",
			question: "which regions are supported",
			hits: []retrieval.Hit{
				hit("regions.md#0", "Regions", "Every region runs the same version. These regions are supported:\n\n"+strings.Repeat("- A region with a long descriptive name that takes a lot of room on the page\n\n", 30), 0.8),
			},
			want:    []string{"These regions are supported:\n- A region", "\n- … [1]"},
			wantNot: []string{"supported: [1]"},
			sources: 1,
		},
		{
			name:     "a sentence from the middle of a paragraph is quoted from the paragraph's start",
			question: "what does it default to",
			hits: []retrieval.Hit{
				hit("settings.md#3", "redirects", "Redirects keep old links working.\n\nredirects[].permanent (boolean): If true, Harbor answers with a permanent redirect (308). If false, it answers with a temporary redirect (307). Defaults to true.", 0.8),
			},
			want:    []string{"redirects[].permanent (boolean): If true, Harbor answers with a permanent redirect (308).", "Defaults to true. [1]"},
			sources: 1,
		},
		{
			name:     "a paragraph that opens by referring back comes with the sentence before it",
			question: "when do the talks resume",
			hits: []retrieval.Hit{
				hit("news.txt#4", "Talks", "It can be said that diplomacy has failed for now.\n\nThat failure may be temporary, and the talks resume in May.", 0.8),
			},
			want:    []string{"It can be said that diplomacy has failed for now.\n\nThat failure may be temporary, and the talks resume in May. [1]"},
			sources: 1,
		},
		{
			name:     "a list the span begins is read to its end",
			question: "how many addresses can i invite at a time",
			hits: []retrieval.Hit{
				hit("members.md#2", "Invite members", "Invite members to your community from the dashboard in four steps.\n\n1. Open the Members page of your dashboard from the menu on the left.\n\n2. Click Invite members in the top right corner of the page.\n\n3. Enter the email addresses; you can invite up to 250 addresses at a time.\n\n4. Click Send invites, and each person gets an email with a link.\n\nEach link stays valid for seven days.", 0.8),
			},
			want:    []string{"Invite members to your community from the dashboard in four steps.\n1. Open the Members page", "\n4. Click Send invites, and each person gets an email with a link. [1]"},
			wantNot: []string{"seven days"},
			sources: 1,
		},
		{
			name:     "past its length a section's span grows only while it still answers",
			question: "when did the operation start",
			hits: []retrieval.Hit{
				hit("news.txt#0", "Report", "The minister said the ceasefire would not bring a lasting peace if it meant accepting control over the territories taken since the start of the operation, which he described at length as a threat to the security of the whole region, to the shipping lanes of the sea and to the grain exports that several countries depend on, and which he said had already cost more than anyone had expected when it began and would cost far more before it was over, for the region and for the countries that had chosen to support it with money, arms and training.\n\nThe operation began in February 2022, after months of warnings.\n\nThe weather in the capital was mild and the streets were quiet.", 0.8),
			},
			want:    []string{"The minister said", "The operation began in February 2022, after months of warnings. [1]"},
			wantNot: []string{"weather"},
			sources: 1,
		},
		{
			name:     "a lead-in ending the passage is never quoted without what it introduces",
			question: "how do i add the mcp server",
			hits: []retrieval.Hit{
				hit("mcp.md#1", "MCP", "Add the MCP server for search:\n\n`npx skills add https://example.com/docs`\n\n添加 MCP 服务器以访问控制台：", 0.8),
			},
			want:    []string{"Add the MCP server for search:\n`npx skills add https://example.com/docs` [1]"},
			wantNot: []string{"：", "添加"},
			sources: 1,
		},
		{
			name:     "a hit that opens with the end of a paragraph quotes the paragraph from the passage before, citing the hit",
			question: "can moderators export to csv",
			hits: []retrieval.Hit{
				hit("call.md#3", "Community call", "Several moderators asked for exports, and the team said a CSV export is planned.\n\nPricing took the second half of the call.", 0.8),
				hit("call.md#2", "Community call", "The call ran for ninety minutes.\n\nThe first half covered moderation. The team showed the new audit view. Several moderators asked for exports, and the team said a CSV export is planned.", 0.7),
			},
			want:    []string{"The first half covered moderation. The team showed the new audit view. Several moderators asked for exports, and the team said a CSV export is planned.\n\n"},
			wantNot: []string{"ninety", "[2]"},
			sources: 1,
		},
		{
			name:     "a command page's next passage is not read on into for more entries",
			question: "how do i extract an archive",
			hits: []retrieval.Hit{
				hit("tar.md#0", "tar", "Archiving utility.\n\n- Create an archive from files:\n\n`tar cf target.tar file1 file2`\n\n- Extract an archive into the current directory:\n\n`tar xf source.tar`", 0.8),
				hit("tar.md#1", "tar", "`tar xf source.tar`\n\n- Extract an archive into a directory:\n\n`tar xf source.tar -C dir`\n\n- List the contents of an archive:\n\n`tar tvf source.tar`", 0.7),
			},
			want:    []string{"- Extract an archive into the current directory:\n`tar xf source.tar` [1]"},
			wantNot: []string{"-C dir", "tar tvf", "[2]"},
			sources: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(&fakeSearch{hits: tt.hits}, Options{})
			a, err := e.Answer(context.Background(), Question{Text: tt.question})
			if err != nil {
				t.Fatal(err)
			}
			text := a.Text
			rest := text
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("answer lacks %q (in order):\n%s", w, text)
					break
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.wantNot {
				if strings.Contains(text, w) {
					t.Errorf("answer has %q:\n%s", w, text)
				}
			}
			if len(a.Citations) != tt.sources {
				t.Errorf("%d sources, want %d:\n%s", len(a.Citations), tt.sources, text)
			}
			checkComposed(t, tt.question, a, tt.hits)
			for i, c := range a.Citations {
				if !strings.Contains(text, "["+string(rune('1'+i))+"]") {
					t.Errorf("source %d is listed but never cited:\n%s", c.N, text)
				}
			}
		})
	}
}
