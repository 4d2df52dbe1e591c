package corpus

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestChromeLines(t *testing.T) {
	tests := []struct {
		line  string
		want  bool
		cause string
	}{
		{"See also Riccardo Manfredini, Brescia Architect at Red Bull from Verstappen-", true, "see-also line"},
		{"See also: How to Revive a Neglected Starter", true, "see-also line"},
		{"Related Articles", true, "related label"},
		{"Leave a Reply", true, "comment form"},
		{"Your email address will not be published.", true, "comment form"},
		{"Back to top button", true, "back to top"},
		{"SHARE THIS ARTICLE", true, "share bar"},
		{"Facebook Twitter LinkedIn Email", true, "share bar"},
		{"Press TV’s website can also be accessed at the following alternate addresses:", true, "mirror notice"},
		{"www.presstv.co.uk", true, "bare domain"},
		{"CNN’s Casey Riddell, Eli Kaufman and Lindsay Isaac contributed reporting.", true, "credit"},
		{"Reporting by Jane Doe; Editing by John Roe", true, "credit"},
		{"The story was updated Wednesday with the background and more improvements.", true, "update note"},
		{"This story is going to be broken and updated", true, "update note"},
		{"This is a developing story.", true, "update note"},
		{"US Secretary of State Antony Blinken (Photo by AFP)", true, "caption"},
		{"Photo: Cyclists cross the bridge. Getty Images", true, "caption"},
		{"Science4 weeks agoUniversity of Hawaiʻi Joins $25.6M AI Initiative to Monitor Disasters", true, "teaser"},
		{"2 months ago", true, "relative date"},
		{"-", true, "separator"},
		{"* * *", true, "separator"},
		{"By Tomas Reyes and Ilse Varga", true, "byline"},
		{"Advertisement", true, "advert"},
		{"© 2024 City Herald. All rights reserved.", true, "copyright"},
		{"5 min read", true, "reading time"},
		// Prose that must survive.
		{"Putin said two years ago that the talks had failed.", false, "prose with a relative date"},
		{"By Monday, all users will have the new version.", false, "prose starting with By"},
		{"Related work on this topic was published in 2021 and found the same effect.", false, "prose starting with Related"},
		{"The report was updated in 2021 to include new guidance on refunds.", false, "report, not story"},
		{"Share prices fell sharply on Tuesday after the announcement.", false, "prose starting with Share"},
		{"Node.js", false, "not a site address"},
		{"Politics", false, "a label only above a headline"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := isChromeLine(tt.line); got != tt.want {
				t.Errorf("isChromeLine(%q) = %v, want %v (%s)", tt.line, got, tt.want, tt.cause)
			}
		})
	}
}

func TestStripInline(t *testing.T) {
	tests := []struct{ in, want string }{
		{
			`“We need to make full use of existing military contacts to improve transparency and reduce risks,” he said. See also Establishing a Civilian Hotline for Emergency Use.`,
			`“We need to make full use of existing military contacts to improve transparency and reduce risks,” he said.`,
		},
		{
			"The bridge reopened on Saturday. Read more: Budget Vote Delayed Again",
			"The bridge reopened on Saturday.",
		},
		{
			"Cyclists get a lane. Read also: Why Cyclists Want More Lanes. The first count is in June.",
			"Cyclists get a lane. The first count is in June.",
		},
		{
			"The minister (Photo by AFP) spoke on Friday.",
			"The minister spoke on Friday.",
		},
		{"Nothing to strip here. See the guide for more.", "Nothing to strip here. See the guide for more."},
	}
	for _, tt := range tests {
		if got := stripInline(tt.in); got != tt.want {
			t.Errorf("stripInline(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestTitleAndDate(t *testing.T) {
	tests := []struct {
		name, id, in     string
		title, date, url string
	}{
		{"breadcrumb and caption", "a.txt", "News / Foreign Policy / Russia\n\nTop US diplomat rules out talks\n\nUS Secretary Antony Blinken (Photo by AFP)\n\nBlinken said on Friday that talks could not start yet.", "Top US diplomat rules out talks", "", ""},
		{"section label", "a.txt", "Politics\nU.S. Negotiators Head to Russia\nThe negotiators met on Sunday in Florida for four hours.", "U.S. Negotiators Head to Russia", "", ""},
		{"date line first", "a.txt", "November 26, 2022\n\nBlingen announced a written response\n\nThe US sent its answer to Moscow on Wednesday.", "Blingen announced a written response", "2022-11-26", ""},
		{"day month year", "a.txt", "Storm Closes Schools\nUpdated 3rd March, 2024 at 10:15 GMT\nSchools in the north stayed closed on Monday.", "Storm Closes Schools", "2024-03-03", ""},
		{"no headline", "a.txt", "The council met on Monday. It approved the budget.\nWhat did it cost?\nIt cost €2m.\nWho pays?\nThe region pays.", "The council met on Monday", "", ""},
		{"markdown front matter", "a.md", "---\ntitle: Release notes\ndate: 2024-02-01T10:00:00Z\n---\n\n# Ignored heading\n\nText of the notes here.", "Release notes", "2024-02-01", ""},
		{"markdown h1", "a.md", "# Install guide\n\nRun the installer and follow the prompts.", "Install guide", "", ""},
		{"html h1 over title", "a.html", `<html><head><title>Install | Example Docs</title><link rel="canonical" href="https://ex.example/install"></head><body><h1>Installing Example</h1><p>Run <code>make</code>.</p></body></html>`, "Installing Example", "", "https://ex.example/install"},
		{"html title without site", "a.htm", `<title>Install guide – Example Docs</title><p>Run the installer.</p><time datetime="2023-05-06T07:00:00+02:00">May 6</time>`, "Install guide", "2023-05-06", ""},
		{"html og url", "a.html", `<meta property="og:url" content="https://ex.example/p"><h1>T</h1><p>Body text.</p>`, "T", "", "https://ex.example/p"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(tt.id, []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			if doc.Title != tt.title || doc.Date != tt.date || doc.URL != tt.url {
				t.Errorf("got title %q date %q url %q, want %q %q %q", doc.Title, doc.Date, doc.URL, tt.title, tt.date, tt.url)
			}
			for _, s := range doc.Sections {
				for _, p := range s.Paragraphs {
					if strings.Contains(p, "Photo by") || strings.Contains(p, "News /") || p == "Politics" {
						t.Errorf("chrome left in paragraph %q", p)
					}
				}
			}
		})
	}
}

func TestFAQStructure(t *testing.T) {
	shipped, err := os.ReadFile("defaultcorpus/000_3b9cc61b6aa89b16.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, id, in string
		// want lists the sections as "Q:question=first words of answer" or
		// "H:heading=first words".
		want []string
	}{
		{"shipped intro then one line each", "000.txt", string(shipped), []string{
			"=The US Department of State plays a crucial role",
			"Q:What is the US Department of State's position on negotiations between Ukraine and Russia?=The US Department of State advocates",
			"Q:How does the US Department of State support Ukraine militarily?=The US Department of State has approved",
			"Q:What role does the US Department of State play in US-Russia diplomatic relations?=The US Department of State is integral",
			"Q:How has the US Department of State responded to internal and external challenges regarding Ukraine?=The US Department of State navigates",
			"Q:What are the implications of US aid suspensions to Ukraine?=While the US Department",
			"Q:What is the significance of US-Russia talks in Istanbul for the US Department of State?=The talks in Istanbul",
			"Q:What stance does the US Department of State take on US domestic and foreign policy interactions?=The US Department of State maintains",
		}},
		{"Q and A prefixes", "a.txt", "Club rules\n\nQ: When are we open?\nA: Every day from 9.\n\nQ. Can I bring a dog?\nA: Only on a lead.", []string{
			"Q:When are we open?=Every day from 9.",
			"Q:Can I bring a dog?=Only on a lead.",
		}},
		{"rhetorical question stays article", "a.txt", "Rates Rise Again\n\nThe bank raised rates on Tuesday for the fourth time this year, citing stubborn inflation.\n\nWill it work?\n\nEconomists are divided, and most expect at least one more rise before the summer.\n\nMarkets fell two per cent after the announcement and recovered in the afternoon.\n\nThe next meeting is in June.", []string{
			"=The bank raised rates",
		}},
		{"markdown headings", "a.md", "# Help\n\nIntro text.\n\n## Account\n\n### How do I reset my password?\n\nUse the *Forgot password* link on the [sign-in page](https://ex.example/login).\n\n### Can I change my e-mail?\n\nYes, under **Settings**.\n\n```\nsettings --email new@example.com\n```\n\n## Billing\n\n### Where are invoices?\n\nIn the billing tab.", []string{
			"=Intro text.",
			"Q:How do I reset my password?=Use the Forgot password link on the sign-in page.",
			"Q:Can I change my e-mail?=Yes, under Settings.",
			"Q:Where are invoices?=In the billing tab.",
		}},
		{"html dl and details", "a.html", "<h1>Questions</h1><dl><dt>Is it free?</dt><dd>Yes, for personal use.</dd><dt>Is there an API?</dt><dd>A REST API, documented online.</dd></dl><details><summary>Who made it?</summary><p>A small team in Lisbon.</p></details>", []string{
			"Q:Is it free?=Yes, for personal use.",
			"Q:Is there an API?=A REST API",
			"Q:Who made it?=A small team in Lisbon.",
		}},
		{"faq title makes every entry heading an entry", "a.html", `<h1>Shipping FAQ</h1><h2 id="a">Delivery times</h2><p>Two to five days.</p><h2 id="b">Returns</h2><p>Within 30 days.</p><h2 id="c">Customs</h2><p>Paid by us.</p>`, []string{
			"Q:Delivery times=Two to five days.",
			"Q:Returns=Within 30 days.",
			"Q:Customs=Paid by us.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(tt.id, []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			var got []string
			for _, s := range doc.Sections {
				if s.Question != "" {
					got = append(got, "Q:"+s.Question+"="+strings.Join(s.Paragraphs, "\n"))
				} else {
					got = append(got, "="+strings.Join(s.Paragraphs, "\n"))
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d sections, want %d:\n%s", len(got), len(tt.want), doc)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("section %d = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestGoFAQ parses the Go project's FAQ, a real page: every <h3> entry must
// become one FAQ section with its anchor and its complete answer.
func TestGoFAQ(t *testing.T) {
	data, err := os.ReadFile("testdata/go-faq.html")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse("go-faq.html", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Frequently Asked Questions (FAQ)"; doc.Title != want {
		t.Errorf("title = %q, want %q", doc.Title, want)
	}
	h3 := strings.Count(string(data), "<h3")
	byURL := map[string]Section{}
	for _, s := range doc.Sections {
		if s.Question == "" {
			t.Errorf("section without a question: heading %q, first paragraph %.60q", s.Heading, s.Paragraphs[0])
		}
		byURL[s.URL] = s
	}
	if len(doc.Sections) != h3 {
		t.Errorf("got %d FAQ entries, want %d (one per <h3>)", len(doc.Sections), h3)
	}
	tests := []struct {
		url, question, heading, answerStart, answerHas string
	}{
		{"#What_is_the_purpose_of_the_project", "What is the purpose of the project?", "Origins", "At the time of Go's inception", "Language Design in the Service of Software Engineering"},
		{"#exceptions", "Why does Go not have exceptions?", "Design", "We believe that coupling exceptions", "Defer, Panic, and Recover"},
		{"#nil_error", "Why is my nil error value not equal to nil?", "Types", "Under the covers, interfaces are implemented", "func returnsError() error {\n    var p *MyError = nil"},
		{"#How_do_I_write_a_unit_test", "How do I write a unit test?", "Packages and Testing", "Create a new file ending in _test.go", "func TestFoo(t *testing.T) {\n    ...\n}"},
		{"#semicolons", "Why are there no semicolons? Or: Why are there braces but no semicolons?", "Changes from C", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, ok := byURL[tt.url]
			if !ok {
				t.Skipf("no section %s (question text may differ in this FAQ version)", tt.url)
			}
			if tt.answerStart == "" {
				return
			}
			answer := strings.Join(s.Paragraphs, "\n\n")
			if s.Question != tt.question || s.Heading != tt.heading {
				t.Errorf("question %q heading %q, want %q %q", s.Question, s.Heading, tt.question, tt.heading)
			}
			if !strings.HasPrefix(answer, tt.answerStart) {
				t.Errorf("answer starts %.80q, want %q", answer, tt.answerStart)
			}
			if !strings.Contains(answer, tt.answerHas) {
				t.Errorf("answer lacks %q", tt.answerHas)
			}
		})
	}
	chunks := Split(doc, DefaultSplitOptions())
	entries := map[string]bool{}
	for _, c := range chunks {
		entries[c.Title] = true
		if !strings.HasPrefix(c.URL, "#") {
			t.Errorf("chunk %s URL = %q, want an anchor", c.ID, c.URL)
		}
	}
	if len(entries) != h3 {
		t.Errorf("chunks carry %d distinct questions, want %d", len(entries), h3)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, id string
		data     []byte
		want     error
	}{
		{"empty", "a.txt", nil, ErrEmpty},
		{"white space", "a.md", []byte(" \n\t\r\n  "), ErrEmpty},
		{"binary", "a.txt", []byte("PK\x03\x04\x00\x00binary"), ErrBinary},
		{"control characters", "a.txt", []byte("\x01\x02\x03\x04abc\x05\x06\x07\x08"), ErrBinary},
		{"unknown extension", "a.pdf", []byte("text"), ErrUnsupported},
		{"only chrome", "a.txt", []byte("Share this article\nLeave a Reply\nBack to top"), ErrNoText},
		{"legacy 8-bit Cyrillic", "a.txt", []byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x20, 0xec, 0xe8, 0xf0}, ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.id, tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseEncodings(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"latin-1", []byte("Caf\xe9 cr\xe8me costs \xa33 in M\xfcnchen.\n"), "Café crème costs £3 in München."},
		{"windows-1252 quotes", []byte("\x93Quoted\x94 text \x96 with a dash, it\x92s here.\n"), "“Quoted” text – with a dash, it’s here."},
		{"utf-8 with BOM", []byte("\xef\xbb\xbfPlain words in a sentence here.\n"), "Plain words in a sentence here."},
		{"utf-16 with BOM", []byte("\xff\xfeH\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00.\x00"), "Hi there."},
		{"mostly utf-8, one stray byte", []byte("Zoë and Chloë met in Köln \xff today.\n"), "Zoë and Chloë met in Köln today."},
		{"no-break spaces and soft hyphens", []byte("Non\u00a0breaking and soft\u00adhyphen words.\n"), "Non breaking and softhyphen words."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("a.txt", tt.data)
			if err != nil {
				t.Fatalf("Parse error: %v", err)
			}
			got := strings.Join(doc.Sections[0].Paragraphs, "\n")
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One. Two! Three?", []string{"One.", "Two!", "Three?"}},
		{"The U.S. said no. Mr. Smith agreed.", []string{"The U.S. said no.", "Mr. Smith agreed."}},
		{"Alexander V. Khrushchev welcomed him. Then left.", []string{"Alexander V. Khrushchev welcomed him.", "Then left."}},
		{"It costs 3.5 dollars. “Cheap,” he said. “Yes.” She left.", []string{"It costs 3.5 dollars.", "“Cheap,” he said.", "“Yes.”", "She left."}},
		{"no capital after. this stays", []string{"no capital after. this stays"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := sentences(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("sentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
