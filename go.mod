module github.com/faqbot/faqbot

go 1.26.8

require github.com/kljensen/snowball v0.10.0
