package lexicon

// The word table is generated from WordNet 3.0 (Debian: apt-get install
// wordnet-base) and committed, so that building faqbot needs neither.
//go:generate go run ./internal/wngen -wordnet /usr/share/wordnet -supplement supplement.txt -notice WORDNET-LICENSE -o wordnet.bin
