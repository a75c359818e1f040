package engage

// The default English vocabulary of the RuleClassifier. Intent weights: 3
// is a phrase that decides the intent on its own ("link in bio", "book a
// demo"), 2 a strong hint, 1 a hint, 0.5 a faint one. Sentiment valences
// run from -3 to 3 and also feed the complaint and praise scores.
// Apostrophes are dropped before matching ("can't" matches "cant"), so
// phrases are written without them; any number matches any number; a
// trailing "*" matches any word that starts with the stem; a leading "^"
// matches only at the start of a clause.

var negatorWords = []string{
	"not", "no", "never", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
	"cant", "cannot", "couldnt", "wont", "wouldnt", "hasnt", "havent", "hadnt", "shouldnt",
	"nothing", "nobody", "neither", "nor", "without", "hardly", "barely", "aint", "nope",
}

// acronymWords are capitalised words that are not shouting.
var acronymWords = []string{
	"i", "ok", "pt", "sso", "api", "csv", "eu", "uk", "us", "usa", "vat", "xl", "xxl", "pr", "hiit", "cfo", "ceo",
	"am", "pm", "faq", "diy", "bbq", "nyc", "dm", "dms", "id", "pdf", "ui", "ux", "ios", "tv", "hr", "it", "qr",
	"saas", "crm", "seo", "sms", "gdpr", "url", "usb", "yes", "lol", "omg", "tbh", "imo", "asap", "f4f", "diy",
}

var questionStarters = []string{
	"what", "whats", "when", "where", "which", "who", "whos", "how", "why", "is", "are", "do", "does",
	"did", "will", "would", "should", "any", "anyone", "anybody", "has", "have", "hows", "wheres", "can",
}

func defaultLexicon() []lexEntry {
	e := func(intent Intent, w float64, phrases ...string) lexEntry {
		return lexEntry{intent: intent, weight: w, phrases: phrases}
	}
	s := func(v float64, phrases ...string) lexEntry {
		return lexEntry{sentiment: v, phrases: phrases}
	}
	both := func(intent Intent, w, v float64, phrases ...string) lexEntry {
		return lexEntry{intent: intent, weight: w, sentiment: v, phrases: phrases}
	}
	u := func(phrases ...string) lexEntry { return lexEntry{urgent: true, phrases: phrases} }
	return []lexEntry{
		// --- service requests: somebody needs the business to do something
		e(IntentServiceRequest, 2, "can you", "could you", "can u", "could u", "can someone", "could someone",
			"can anyone", "please can you", "pls can you", "can your team", "could your team", "would you mind",
			"need you to", "i need to", "i need a", "i need an", "need to change", "need to cancel", "i would like to",
			"id like to", "i want to cancel", "i want to change", "i want to upgrade", "i want to downgrade",
			"i want to return", "request", "call me back", "get back to me", "sort out my", "fix my",
			"look into", "take a look", "check with", "switch me", "correct it", "keep it aside", "put it aside",
			"let me know when", "how do i arrange", "what do i need to do", "how do i do that", "who do i send",
			"can i move", "can i change", "can i swap", "can i collect", "could i collect", "could i change",
			"can i cancel", "put my", "book me", "sign me up for", "add me"),
		e(IntentServiceRequest, 1.5, "please", "pls", "plz", "pleeease", "kindly"),
		e(IntentServiceRequest, 2.5, "requesting", "i am requesting", "im requesting"),
		e(IntentServiceRequest, 1.2, "cancel", "cancel my", "reschedule", "move my", "change my",
			"update my", "update our", "reset", "unlock", "reactivate", "resend", "remove my",
			"unsubscribe", "delete my", "restore", "merge", "transfer", "freeze", "pause my", "hold my", "swap",
			"exchange", "replacement", "return label", "refund one", "prorate", "add my", "add candles", "add a",
			"deliver my", "deliver it", "redeliver", "collection", "lost property", "left my", "receipt",
			"invoice with", "copy of my", "my booking", "my order", "my account", "my membership", "my subscription",
			"my appointment", "my password", "password reset", "2fa", "log in", "login", "locked", "locker",
			"delivery address", "order number", "order no", "ticket", "export all", "instead of", "instead",
			"rather than", "if possible", "before it ships", "before it goes out", "return the", "arrange a",
			"tracking number", "booking under", "order under", "in for a service", "ownership", "raise our",
			"before 9", "limit temporarily"),
		e(IntentServiceRequest, 0.8, "order", "booking", "booked", "appointment", "membership", "account", "invoice",
			"billing", "subscription", "parcel", "courier", "tracking", "pickup", "pick up", "collect", "reservation"),
		// --- questions: somebody wants to know something
		e(IntentQuestion, 1.5, "^do you", "^does the", "^does it", "^do u", "^is there", "^are there",
			"is it possible", "^is the", "^is this", "^is it", "^are your", "^are the", "^are dogs", "^are kids",
			"what time", "^what are", "whats the difference", "what is the", "which plan", "how long",
			"how often", "how do i", "how does", "how many", "where are", "when is", "when does", "when do",
			"any chance", "wondering if", "quick q", "quick question", "curious", "anyone know", "does anyone know",
			"^is your", "can beginners", "can i use", "can i bring", "true to size", "opening hours", "open on",
			"are classes", "suitable for", "whats the age", "age limit", "do you sell", "do you take",
			"do you have", "do you still", "do you ship", "is there a limit", "available in", "or only",
			"or is it", "or is that", "what time does", "as well"),
		e(IntentQuestion, 0.5, "what", "when", "where", "which", "how", "why", "anyone", "difference", "available",
			"included", "allowed", "possible"),
		// --- complaints: somebody had a bad experience
		both(IntentComplaint, 2.5, -2.5, "disappoint*", "dissapoint*", "dissappoint*", "unacceptable", "ridiculous",
			"scam", "joke", "sort it out", "never again", "never coming back", "not coming back", "wont be returning",
			"wont be back", "not returning", "never returning", "done with", "im done", "fed up", "sick of",
			"waste of", "ripped off", "rip off", "lied", "not on", "no one seems to care", "nobody cares",
			"no one cares", "doesnt care", "does nothing", "nothing was done", "still waiting", "still no",
			"still nothing", "still not", "nobody calls back", "no one calls back", "never called back",
			"not good enough", "not impressed", "not happy", "not cool", "not ok", "not okay", "not acceptable",
			"never showed", "never arrived", "never received", "never recieved", "never came", "havent received",
			"havent recieved", "not received", "not recieved", "impossible to", "without telling",
			"without asking", "without solving", "money back", "never agreed", "price increase", "price rise",
			"price hike", "zero notice", "without notice", "could have ended up", "explained my problem",
			"dropped the ball", "is a mess", "what is going on", "whats going on", "sad to see", "considering switching",
			"seriously considering", "expect better", "third time", "second time", "every time", "keeps getting",
			"keep getting", "keeps failing", "keeps crashing", "keeps dropping", "last minute", "sold me",
			"took off", "worse than before", "no hot water", "nobody answers", "no response", "no reply",
			"no one replied", "gone missing", "wrong item",
			"got the wrong", "got regular", "was the wrong", "this is serious", "on hold", "been waiting"),
		both(IntentServiceRequest, 1.5, -1, "hasnt worked", "doesnt work", "dont work", "not working", "stopped working",
			"wont load", "cant log in", "cant login", "cant access"),
		both(IntentComplaint, 1.5, -1.5, "wrong flavour", "wrong size", "wrong name", "wrong item"),
		s(-0.5, "again"),
		both(IntentComplaint, 1, -1, "ugh", "seriously", "why does", "why is", "why do",
			"charging me", "overcharged", "charged me", "for weeks", "all week", "all day", "refund", "no refund",
			"complain*", "keeps", "every", "nothing"),
		// --- praise: somebody liked something
		both(IntentPraise, 2.5, 2.5, "love it", "love this", "loved it", "love the", "love love", "thank you so much",
			"thanks so much", "huge thanks", "big thanks", "big thank you", "made my week", "made my day",
			"makes my mornings", "over the moon", "game changer", "5 stars", "five stars",
			"cant recommend this place enough", "cant recommend them enough", "cant recommend it enough",
			"cant recommend enough", "cant thank you enough", "couldnt be happier", "no complaints",
			"not gonna lie", "never disappoints", "never fails", "highly recommend", "top notch", "spot on",
			"kudos", "shoutout", "shout out", "well done", "great work", "great job", "good job", "good vibes",
			"of my dreams", "so much better", "so much faster", "exactly what we needed", "really care",
			"will be back", "well be back", "be back", "stronger than ever", "new pr", "the only reason",
			"on the house", "worth it", "like a new person", "feeling stronger", "just as lovely"),
		both(IntentPraise, 0.8, 1, "thank you", "thanks", "thx", "ty", "cheers", "thanks team", "thanks coaches"),
		// --- leads: somebody may buy
		e(IntentLead, 2.5, "how much", "pricing", "price", "prices", "rates", "quote", "demo", "book a demo",
			"wholesale", "bulk", "bulk orders", "enterprise", "volume pricing", "seats", "licences", "licenses",
			"catering", "cater for", "dessert tables", "wedding cake", "wedding favours", "corporate", "private events",
			"private party", "private hire", "minimum spend", "whole restaurant", "gift card", "gift membership", "gift memberships",
			"interested in stocking", "carry your brand", "stocking", "trade account", "trade accounts", "sign up for",
			"ready to sign up", "ready to join", "ready to commit", "want to join", "thinking about joining",
			"thinking of joining", "keen to start", "how do i get started", "where do i buy", "want to buy",
			"i want to buy", "id like to buy", "planning to buy", "looking to buy", "looking at buying", "buying it",
			"what would it cost", "what would that cost", "whats the cost", "cost of", "what does it cost", "budget",
			"for our office", "for our hotel", "for our company", "our company wants", "team building", "trial",
			"trials", "free trial", "custom orders", "custom order", "bundle price", "group discount",
			"group bookings", "joining fee", "annual contract", "procurement", "from sales", "sales team",
			"sales person", "salesperson", "speak to sales", "evaluating", "move off", "switching from",
			"convinced me", "worth it for", "leaning towards", "supply", "would love a price", "in stock",
			"do you offer finance", "finance", "financing", "payment plan", "would order", "would buy"),
		e(IntentLead, 1.2, "interested", "guests", "cupcakes", "discount for", "discount if", "discount",
			"offers", "any offers", "per month", "a month", "plan for", "upfront", "nonprofit", "charity", "order your",
			"can i pay", "pay today", "cost", "custom", "couples", "package", "wedding*", "buy", "buying", "join",
			"joining", "dedicated desk", "startup of", "agency", "what would you recommend",
			"hire", "users", "person team", "charge", "would you charge", "memberships", "for my son", "for my daughter", "annual membership"),
		// --- spam: promotion, scams, follow-for-follow
		e(IntentSpam, 3, "link in bio", "link in my bio", "in my bio", "check my bio", "check my profile", "dm me",
			"dm for", "dm now", "dm us", "message me", "message us", "followers", "follow back", "follow for a follow",
			"f4f", "crypto", "bitcoin", "airdrop", "wallet", "invest", "guaranteed", "giveaway", "claim your",
			"prize", "free iphone", "hot singles", "click here", "click the link", "click and enter",
			"brand ambassador", "blue tick", "verify your account", "verify now", "avoid suspension", "been flagged",
			"will be deleted", "community guidelines", "no credit check", "loan approved", "whatsapp", "telegram",
			"earn", "work from home", "this one trick", "grow together", "boost your", "promote your",
			"we promote", "promote brands", "organic followers", "buy this account", "name your price", "signals",
			"10x", "real followers", "fast delivery", "safe delivery", "limited offer", "today only",
			"just pay shipping", "small fee", "fee applies", "reply yes", "we are hiring", "online job",
			"part time online", "per day", "testimonials", "go viral", "be a model", "our audience", "free gift",
			"we build apps", "best price guaranteed", "confirm your details", "will be disabled", "business proposal",
			"passive income", "forex"),
		e(IntentSpam, 1.2, "free", "win", "cheap", "click", "dear", "collab", "selected", "congrats", "surprise",
			"opportunity", "🚀", "💰", "📈"),
		// --- small talk: greetings and chatter addressed to nobody in particular
		e(IntentOther, 2, "happy friday", "happy monday", "happy weekend", "happy holidays", "good morning",
			"good night", "wish me luck", "see you all", "see you there", "throwback", "counting down",
			"for visibility", "new blog post", "asking for a friend", "worth a read", "pray for me", "thinking about",
			"anyone watching", "anyone else", "who dis", "mood for"),
		// --- sentiment: feelings, with or without an intent phrase
		s(3, "amazing", "awesome", "fantastic", "brilliant", "excellent", "outstanding", "superb", "wonderful",
			"incredible", "gorgeous", "delicious", "perfect", "perfection", "perfectly", "exceptional", "phenomenal",
			"stellar", "spectacular", "divine", "heavenly", "obsessed", "flawless", "magnificent", "marvellous",
			"marvelous", "exquisite", "stunning", "best", "legends", "legend", "unreal"),
		s(2, "great", "love", "loved", "loving", "lovely", "beautiful", "beautifully", "happy", "delighted", "pleased",
			"glad", "grateful", "thankful", "appreciate", "appreciated", "enjoyed", "enjoy", "fab", "fabulous",
			"terrific", "impressive", "impressed", "helpful", "friendly", "friendliest", "kind", "attentive",
			"welcoming", "professional", "honest", "reliable", "smooth", "smoothest", "seamless", "effortless",
			"speedy", "tasty", "yummy", "yum", "cosy", "cozy", "comfy", "comfortable", "spotless", "favourite",
			"favorite", "recommend", "recommended", "gem", "hero", "heroes", "fire", "wow", "proud", "inspiring",
			"motivating", "stronger", "healthier", "exciting", "excited", "thrilled", "pleasant", "genuinely",
			"fixed", "sorted", "saved me", "saved", "caring", "patient", "knowledgeable", "fresh"),
		s(1, "good", "nice", "fine", "better", "decent", "solid", "cool", "neat", "sweet", "warm", "useful", "handy",
			"worth", "calm", "relaxing", "fair", "easy", "fast", "quick", "quickly", "fun", "clean", "improved"),
		s(-3, "terrible", "awful", "horrible", "horrendous", "appalling", "atrocious", "disgusting", "disgusted",
			"furious", "fuming", "livid", "devastated", "worst", "useless", "outrageous", "pathetic", "nightmare",
			"disaster", "shocking", "abysmal", "dreadful", "vile", "rude", "incompetent", "unusable", "gross"),
		s(-2, "bad", "poor", "annoyed", "annoying", "frustrat*", "angry", "upset", "sad", "unhappy", "broke", "broken",
			"damaged", "dirty", "filthy", "stale", "cold", "overcooked", "undercooked", "burnt", "soggy", "rotten",
			"mouldy", "moldy", "overpriced", "missing", "faulty", "defective", "cracked", "crushed", "soaked",
			"leaking", "smelly", "noisy", "loud", "unreliable", "unprofessional", "unhelpful", "ignored", "ignoring",
			"impossible", "stolen", "stealing", "squeaking", "squeaky", "crashing", "crashed", "buggy", "glitch*",
			"worse", "hate", "hated", "misleading", "overcrowded", "headache", "freezing", "faded", "ripped",
			"late", "delayed", "deleted", "lost", "wrong", "rubbish", "crap", "sucks", "meh", "mediocre"),
		s(-1, "problem", "problems", "issue", "issues", "mistake", "hassle", "tired", "bored", "boring", "average",
			"cramped", "crowded", "tiny", "waiting", "waited", "unfortunately", "sadly", "slow", "expensive",
			"error", "errors", "fail*", "confusing", "cancelled", "dropping", "nobody", "bug", "bugs", "closed my"),
		s(-2, "😡", "🤬", "👎", "😤", "😠", "💩", "🙄", "😒", "😞", "😢", "😭", "🤮", "😩", "😫", "🤦"),
		s(2, "❤", "😍", "🥰", "🙌", "👏", "💪", "🤤", "😊", "😀", "😃", "😁", "🥳", "💯", "✨", "🙏", "👌",
			"👍", "💕", "💖", "😋", "🔥", "🌿", "💇", "🎂", "☕", "🥐"),
		// --- second pass: general phrasing met in other trades
		// service requests: arrangements an existing customer asks for
		e(IntentServiceRequest, 2.5, "put me down for", "pencil me in", "book me in", "can you book",
			"could you book", "can you leave", "could you leave", "take me off", "remove me from", "stop sending",
			"turn off the", "we need to", "we would like to", "wed like to", "please move", "please transfer",
			"please freeze", "please skip", "skip next", "push the", "push it back", "rebook",
			"booking ref", "booking reference", "order ref", "send someone", "send me the", "can you send"),
		e(IntentServiceRequest, 1.5, "can we", "could we", "could the", "can the", "leave it with", "leave the",
			"upgrade", "downgrade", "bring down", "on file", "ref", "manually"),
		// questions: wanting to know how things are, not to buy or to have
		// something done
		e(IntentQuestion, 1.5, "do you do", "do you offer", "^do the", "^do your", "^does your", "^are you",
			"^can i get", "^should i", "is it normal", "is it ok", "is it safe", "wondering whether", "do i need",
			"do i have to", "or do i", "how much i can", "how much can i", "how much you can", "only or",
			"coins only", "or just", "what should", "where do i find", "where can i find", "how long is"),
		e(IntentLead, 0.8, "do you offer", "do you do"),
		e(IntentQuestion, 1.2, "^can we bring", "can i bring"),
		// complaints: how a visit, an order or a service went wrong
		both(IntentComplaint, 2.5, -2, "not the first time", "so much for", "taking advantage", "falling apart",
			"out of date", "in a row", "ruined", "refusing to", "refused to", "no explanation",
			"nobody has", "no one has", "hasnt replied", "havent replied", "hasnt responded", "havent heard back",
			"not heard back", "no answer", "couldnt see", "couldnt hear", "cant hear", "didnt feel safe",
			"get hurt", "left a mess", "barely listened", "on his phone", "on her phone", "on their phone",
			"should be far", "should have been", "not fit for", "nothing like the", "nothing like what",
			"more pain", "for that", "what are we paying", "what were paying",
			"hours notice", "no notice", "a week late", "days late", "weeks late", "out of stock again"),
		both(IntentComplaint, 1.5, -1, "queued", "queue", "paying", "half the", "^again", "isnt ready",
			"wasnt ready", "werent ready", "on arrival", "should be", "expected", "i expected", "we expected",
			"why does it", "why did", "why has", "why have", "why hasnt", "why havent", "why cant", "why wont",
			"washed out", "mushy", "tiny", "pain", "scratch", "scratched", "dent", "dented", "stained",
			"ignored us", "ignored me", "too loud", "too hot", "too cold", "shivering", "mess"),
		// praise: how a visit, an order or a service went well
		both(IntentPraise, 2.5, 2.5, "cannot thank you enough", "could not thank you enough",
			"cant thank you enough", "cannot recommend", "couldnt have done it without", "could not have done it",
			"will never forget", "never miss", "never misses", "above and beyond", "outdid themselves",
			"outdone yourselves", "outdid yourselves", "chefs kiss", "standing ovation", "is the man",
			"is a legend", "top lads", "top man", "top bloke", "top guys", "top team", "top service",
			"is class", "are class", "was class", "ive ever had", "ive had in years", "ive had in ages",
			"i have ever had", "ordering again", "order again", "cant wait to come back", "cant wait to go back",
			"thank you for", "thanks for", "so proud", "a treat", "^what a", "changed how", "even better than",
			"better than ever", "worth the trip", "on time", "^finally"),
		s(2, "gentle", "kindness", "comfier", "nicer", "tastier", "fresher", "freshest", "cleanest", "friendliest",
			"unbelievable", "tidy", "passed", "gorgeous", "grateful", "adore", "adores", "dream", "dreamy",
			"lush", "superb", "bang on", "cracking", "chuffed", "ace", "smashed it", "nailed it",
			"🎉", "🥹", "😂", "🤩", "💙", "💚", "💛", "💜", "🧡", "🤍", "🖤", "🫶"),
		// leads: availability, quantities, events and custom work
		e(IntentLead, 2.5, "any availability", "availability", "any slots", "any spaces", "free for",
			"taking on new", "accepting new", "new clients", "new patients", "how do i sign up", "sign up",
			"stock your", "to stock", "hourly rate", "day rate", "what do you charge", "would that come to",
			"would it come to", "our wedding", "our event", "reseller", "resell", "for a conference",
			"group rates", "group rate", "team day", "away day", "stag do", "hen do", "10 people", "10 guests",
			"10 pupils", "10 staff", "10 users", "10 runners", "10 of us", "family of 10",
			"team of 10", "party of 10", "10 nights", "need 10"),
		e(IntentLead, 1.5, "who do i speak to", "who should i speak to", "opening a", "new to the area",
			"moved to the area", "just moved", "for clients", "conference", "slots", "spaces", "nights",
			"bespoke", "commission", "made to order"),
		e(IntentLead, 0.6, "people"),
		// spam: threats to the account, flattery, unsolicited services
		e(IntentSpam, 3, "know you better", "copyright", "infringement", "suspicious activity", "unpublished",
			"verify ownership", "permanently removed", "permanently deleted", "inbox us", "inbox me",
			"unlimited revisions", "very affordable", "low cost", "our portfolio", "your website looks",
			"redesign", "first page of google", "page of google", "sugar daddy", "youve won", "you have won",
			"claim now", "before it expires", "owner of this page", "the page owner", "interested in your business",
			"real engagement", "grow your page", "grow your account", "mixtape", "check out my", "logos from",
			"small fee", "feature you", "ask me how", "turned 10", "trading platform"),
		e(IntentSpam, 1.2, "your page", "engagement", "logos", "portfolio", "freelance"),
		// small talk: occasions, chatter, other people's business
		e(IntentOther, 2.5, "happy bank holiday", "happy easter", "happy halloween",
			"happy christmas", "happy valentines", "happy mothers day", "happy fathers day",
			"good luck to", "please share", "would you share", "share my post", "lost dog", "lost cat",
			"missing dog", "missing cat", "is it me or", "who else", "anyone else", "anyone elses", "tagging",
			"meant to send", "just realised", "in the background", "reminds me of"),
		e(IntentOther, 3.5, "wrong chat", "work experience"),
		// --- urgency
		u("urgent", "urgently", "asap", "emergency", "immediately", "right now", "allergic", "allergy", "anaphyla*",
			"coeliac", "celiac", "hospital", "food poisoning", "sick after", "injured", "injury", "unsafe", "lawyer",
			"legal action", "solicitor", "chargeback", "fraud", "data breach", "hacked", "lost all my data",
			"lost all", "outage", "charged 3 times", "charged three times", "charged twice", "data is gone",
			"work gone", "fixed now", "deleted half"),
	}
}
