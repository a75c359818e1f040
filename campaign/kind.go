package campaign

import (
	"strings"
	"unicode"
)

// askWords are words that make a post a call to buy, book, sign up or
// redeem; askPhrases are such two-word phrases. The lists are deliberately
// conservative (English only): set Item.Kind to override the guess.
var (
	askWords = map[string]bool{
		"buy": true, "order": true, "preorder": true, "pre-order": true, "shop": true, "subscribe": true,
		"coupon": true, "discount": true, "sale": true, "deal": true, "deals": true, "checkout": true,
		"promo": true, "voucher": true,
	}
	askPhrases = map[string]bool{
		"book now": true, "book today": true, "book your": true, "sign up": true, "register now": true,
		"use code": true, "promo code": true, "discount code": true, "limited time": true, "get yours": true,
		"add to": true, "free shipping": true, "reserve now": true, "reserve yours": true, "last chance": true,
		"% off": true, "order now": true, "shop now": true,
	}
	askedQuestions = []string{"what do you", "which do you", "what would you", "which would you", "how do you", "who would you", "what is your", "what's your", "which is your"}
)

// InferKind guesses what a post does from its text: Ask when it contains a
// call to buy, book, sign up or redeem (or a price: "$5", "€3"), Engage
// when it asks the audience a question, Give otherwise.
func InferKind(text string) ContentKind {
	lower := strings.ToLower(text)
	if strings.ContainsAny(lower, "$€£") {
		for i, r := range lower {
			if r == '$' || r == '€' || r == '£' {
				rest := strings.TrimLeft(lower[i+len(string(r)):], " ")
				if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
					return Ask
				}
			}
		}
	}
	prev := ""
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '%')
	}) {
		w = strings.Trim(w, "-")
		if askWords[w] {
			return Ask
		}
		if prev != "" && askPhrases[prev+" "+w] {
			return Ask
		}
		if strings.HasSuffix(w, "%") {
			// "20% off" arrives as "20%" then "off".
			prev = "%"
			continue
		}
		prev = w
	}
	trimmed := strings.TrimRightFunc(lower, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.So, r) })
	if strings.HasSuffix(trimmed, "?") {
		return Engage
	}
	for _, q := range askedQuestions {
		if strings.Contains(lower, q) {
			return Engage
		}
	}
	return Give
}
