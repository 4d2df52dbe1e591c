package retrieval

// offTopic are questions that almost no community's FAQ answers, asked
// the way people ask them, in several languages: calibration measures how
// well the corpus seems to answer them, which is how well it seems to
// answer anything. They spread over many subjects (no subject has more
// than a few), so that a corpus that happens to cover one — a cooking
// club's FAQ and the recipe questions — moves only a few of them, and
// calibration uses a high quantile rather than the maximum.
var offTopic = []string{
	// English
	"what's the best pizza topping?",
	"who won the 2022 world cup?",
	"how do I train my cat to use the toilet",
	"how long should I boil an egg for a runny yolk",
	"what is the capital of australia",
	"is it going to rain tomorrow in london",
	"how many calories are in a banana",
	"who wrote pride and prejudice",
	"what's a good name for a golden retriever puppy",
	"how far away is the moon",
	"why is the sky blue",
	"how do I get red wine out of a carpet",
	"what time does the supermarket close on sundays",
	"recommend me a good horror movie",
	"how do you solve a quadratic equation",
	"what is the tallest mountain in africa",
	"should I buy or lease a car",
	"how do I grow tomatoes on a balcony",
	"what's the difference between a crocodile and an alligator",
	"who painted the mona lisa",
	"how much should I tip a waiter in the us",
	"best exercises to lose belly fat",
	"what year did the titanic sink",
	"how do I fix a leaky kitchen faucet",
	"can dogs eat grapes",
	"what's the recipe for banana bread",
	"how do I ask my boss for a raise",
	"is coffee bad for your heart",
	"what causes earthquakes",
	"how many players are on a rugby team",
	"where can I watch the new season of my favourite anime",
	"what should I wear to a wedding in summer",
	"how do I get over a breakup",
	"what's the population of brazil",
	"how do airplanes stay in the air",
	"what is the meaning of life",
	"how to make sourdough starter from scratch",
	"which is faster, a cheetah or a horse",
	"how do I remove a wasp nest safely",
	"what's the best way to learn to juggle",
	"when is the next solar eclipse",
	"how do vaccines work",
	"why do cats purr",
	"how to tie a tie",
	"what's the best budget smartphone camera for selfies",
	"how tall is the eiffel tower",
	"what's a good gift for my grandmother's birthday",
	"is a tomato a fruit or a vegetable",
	"how do I unclog a bathroom sink",
	"who is the richest person in the world",
	"what are the symptoms of the flu",
	"how do I knit a scarf",
	"how deep is the pacific ocean",
	"what does a mortgage broker do",
	"how many bones are in the human body",
	// French
	"quelle est la meilleure recette de crêpes ?",
	"qui a gagné la coupe du monde de rugby ?",
	"comment apprendre à nager quand on est adulte",
	"quel temps fera-t-il à paris ce week-end",
	"pourquoi les feuilles changent de couleur en automne",
	"combien de temps faut-il cuire des pâtes",
	"où passer des vacances pas chères en été",
	// Spanish
	"¿cuál es la capital de Perú?",
	"¿cómo preparo una paella de mariscos?",
	"¿quién ganó el mundial de fútbol de 2010?",
	"¿por qué mi perro come pasto?",
	"¿cuántas horas debo dormir cada noche?",
	"¿qué planta de interior necesita poca luz?",
	"¿cómo se calcula el área de un círculo?",
	// German
	"wie backe ich einen apfelstrudel",
	"wer hat die relativitätstheorie entdeckt",
	"wie wird das wetter morgen in berlin",
	"welcher fußballverein hat die meisten meistertitel",
	"wie pflege ich eine orchidee richtig",
	"wie viele einwohner hat österreich",
	// Portuguese
	"qual é a melhor praia do brasil?",
	"como fazer pão de queijo em casa?",
	"quem descobriu o caminho marítimo para a índia?",
	"quanto tempo vive uma tartaruga?",
	"como tirar mancha de café da roupa?",
	// Italian
	"come si prepara il tiramisù?",
	"chi ha dipinto la cappella sistina?",
	"qual è il vulcano più alto d'europa?",
	"quanto costa un biglietto del treno per roma?",
	// Dutch
	"hoe maak ik stamppot boerenkool",
	"wie heeft de tour de france gewonnen",
	"waarom zijn tulpen zo populair in nederland",
	// Polish
	"jak ugotować pierogi ruskie",
	"kto napisał pana tadeusza",
	"ile kosztuje bilet do zoo",
	// Russian
	"как приготовить борщ",
	"кто написал войну и мир",
	"какая погода будет завтра в москве",
	// Turkish
	"en iyi baklava nerede yenir",
	"istanbul'un nüfusu ne kadar",
	// Indonesian
	"bagaimana cara membuat nasi goreng",
	"berapa tinggi gunung bromo",
	// Swedish
	"hur lagar man köttbullar",
	// Japanese
	"美味しいラーメンの作り方を教えてください",
	"富士山の高さはどれくらいですか",
	"明日の東京の天気は",
	// Chinese
	"怎么做红烧肉",
	"长城有多长",
	"明天北京会下雨吗",
	// Korean
	"김치찌개 만드는 법 알려주세요",
	// Arabic
	"ما هي عاصمة المغرب؟",
	// Hindi
	"बिरयानी कैसे बनाते हैं",
}
