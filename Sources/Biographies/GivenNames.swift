/// Given-name pools of bioS and bioD: a full name is first · middle · last, each drawn from its
/// own pool. The paper's lists are unpublished; these are common US given names (first) and less
/// common given names and word names (middle). The two lists are disjoint and each is a single
/// word-level token. A config with `firstNames = k` uses the first k entries.

// Built by an unoptimized function rather than a global initializer: optimizing these long
// literals (inlined into their users) cost ~10 s of every release build.

/// 400 first names (the paper's pool size).
let firstNamePool: [String] = makeFirstNamePool()
@inline(never) @_optimize(none)
private func makeFirstNamePool() -> [String] { [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "Kenneth", "Dorothy", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah",
    "Ronald", "Stephanie", "Edward", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia",
    "Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna",
    "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Emma", "Scott", "Nicole", "Brandon", "Helen",
    "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Alexander", "Debra", "Frank", "Rachel",
    "Patrick", "Carolyn", "Raymond", "Janet", "Jack", "Catherine", "Dennis", "Maria", "Jerry", "Heather",
    "Tyler", "Diane", "Aaron", "Ruth", "Jose", "Julie", "Adam", "Olivia", "Nathan", "Joyce",
    "Henry", "Virginia", "Douglas", "Victoria", "Zachary", "Kelly", "Peter", "Lauren", "Kyle", "Christina",
    "Ethan", "Joan", "Walter", "Evelyn", "Noah", "Judith", "Jeremy", "Megan", "Christian", "Andrea",
    "Keith", "Cheryl", "Roger", "Hannah", "Terry", "Jacqueline", "Gerald", "Martha", "Harold", "Gloria",
    "Sean", "Teresa", "Austin", "Sara", "Carl", "Madison", "Arthur", "Frances", "Lawrence", "Kathryn",
    "Dylan", "Janice", "Jesse", "Jean", "Jordan", "Abigail", "Bryan", "Alice", "Billy", "Judy",
    "Bruce", "Sophia", "Gabriel", "Grace", "Logan", "Denise", "Albert", "Amber", "Willie", "Doris",
    "Alan", "Marilyn", "Juan", "Danielle", "Wayne", "Beverly", "Elijah", "Isabella", "Randy", "Theresa",
    "Roy", "Diana", "Vincent", "Natalie", "Ralph", "Brittany", "Eugene", "Charlotte", "Russell", "Kayla",
    "Bobby", "Alexis", "Mason", "Lori", "Philip", "Tiffany", "Louis", "Tammy", "Harry", "Crystal",
    "Howard", "Paula", "Fred", "Erin", "Johnny", "Alyssa", "Marcus", "Leslie", "Craig", "Valerie",
    "Shawn", "Anne", "Jimmy", "Rose", "Lucas", "Audrey", "Luke", "Wendy", "Stanley", "Sylvia",
    "Leonard", "Ella", "Clarence", "Monica", "Ernest", "Gail", "Martin", "Chloe", "Todd", "Lillian",
    "Jeffery", "Marsha", "Curtis", "Regina", "Travis", "Tracy", "Derek", "Vanessa", "Isaac", "Caroline",
    "Connor", "Leah", "Caleb", "Maya", "Hunter", "Stella", "Owen", "Violet", "Wyatt", "Hazel",
    "Julian", "Aurora", "Levi", "Nora", "Miles", "Lucy", "Jasper", "Ivy", "Felix", "Naomi",
    "Oscar", "Claire", "Hugo", "Eleanor", "Victor", "Iris", "Leo", "Alison", "Simon", "Ada",
    "Theodore", "Bianca", "Declan", "Camille", "Elliot", "Daphne", "Graham", "Esther", "Malcolm", "Fiona",
    "Spencer", "Gwen", "Trevor", "Harriet", "Warren", "Ingrid", "Xavier", "Joanna", "Adrian", "Kira",
    "Barry", "Lena", "Calvin", "Maxine", "Dale", "Mabel", "Edgar", "Nina", "Floyd", "Opal",
    "Gordon", "Priscilla", "Herman", "Rita", "Ivan", "Selena", "Jerome", "Tessa", "Lloyd", "Ursula",
    "Milton", "Vera", "Neil", "Willa", "Omar", "Yvonne", "Preston", "Zoe", "Quentin", "Adele",
    "Rodney", "Beatrice", "Sidney", "Cecilia", "Tobias", "Delia", "Vernon", "Edith", "Wesley", "Flora",
    "Abel", "Georgia", "Boris", "Hilda", "Cedric", "Imogen", "Damon", "Josephine", "Emmett", "Kendra",
    "Franklin", "Lydia", "Garrett", "Miriam", "Horace", "Nadine", "Irving", "Olive", "Jarvis", "Penelope",
    "Kurt", "Rosalind", "Lionel", "Sabrina", "Marshall", "Tabitha", "Nolan", "Una", "Orville", "Vivian",
    "Pierce", "Winifred", "Rupert", "Xena", "Silas", "Yolanda", "Thaddeus", "Zelda", "Ulysses", "Agnes",
    "Vaughn", "Blanche", "Wallace", "Clara", "Ansel", "Dolores", "Byron", "Estelle", "Conrad", "Faith",
    "Desmond", "Greta", "Everett", "Helena", "Forrest", "Isla", "Gideon", "Jolene", "Harvey", "Kathy",
    "Ignatius", "Louise", "Jonah", "Marlene", "Kieran", "Nell", "Lamar", "Octavia", "Mitchell", "Phoebe",
] }

/// 400 middle names, disjoint from `firstNamePool`.
let middleNamePool: [String] = makeMiddleNamePool()
@inline(never) @_optimize(none)
private func makeMiddleNamePool() -> [String] { [
    "Briar", "Rowan", "Sage", "Wren", "Ellis", "Quinn", "Reese", "Blair", "Avery", "Jude",
    "Arden", "Lane", "Reid", "Blake", "Shea", "Emery", "Hollis", "Linden", "Marlow", "Sloane",
    "Tate", "Wilder", "Ashby", "Bellamy", "Carlisle", "Dorian", "Easton", "Fielding", "Garland", "Harlow",
    "Innes", "Jensen", "Kipling", "Langston", "Merritt", "Nash", "Oakley", "Paxton", "Raleigh", "Sawyer",
    "Thatcher", "Upton", "Vail", "Whitaker", "York", "Ainsley", "Brooks", "Channing", "Delaney", "Ember",
    "Finley", "Greer", "Hadley", "Indigo", "Juniper", "Kendall", "Larkin", "Meadow", "Noelle", "Oriel",
    "Peyton", "Raine", "Saffron", "Tierney", "Addison", "Bailey", "Cameron", "Dakota", "Elliott", "Flynn",
    "Gray", "Harper", "Jules", "Kai", "Lennon", "Morgan", "Nico", "Parker", "Remy", "River",
    "Skyler", "Taylor", "Umber", "Valen", "Winter", "Alder", "Birch", "Cedar", "Aspen", "Hawthorn",
    "Laurel", "Myrtle", "Oleander", "Poppy", "Rue", "Sorrel", "Tansy", "Yarrow", "Amaryllis", "Basil",
    "Clover", "Dahlia", "Fern", "Heath", "Jasmine", "Lavender", "Marigold", "Orchid", "Pansy", "Primrose",
    "Sedge", "Thistle", "Ambrose", "August", "Benedict", "Casimir", "Cornelius", "Dashiell", "Evander", "Fitzgerald",
    "Gaspard", "Horatio", "Isidore", "Lysander", "Matthias", "Leopold", "Maximilian", "Octavius", "Percival", "Quincy",
    "Remington", "Sebastian", "Tiberius", "Valentine", "Ximenes", "Zebulon", "Alaric", "Bartholomew", "Crispin", "Evert",
    "Ferris", "Galen", "Hector", "Jethro", "Lucian", "Magnus", "Nathaniel", "Osric", "Phineas", "Roderick",
    "Severin", "Thorne", "Ulric", "Wolcott", "Adelaide", "Annabel", "Beatrix", "Celeste", "Cordelia", "Delphine",
    "Eloise", "Evangeline", "Felicity", "Genevieve", "Gwendolyn", "Henrietta", "Isadora", "Juliet", "Lavinia", "Leonora",
    "Lorelei", "Marguerite", "Mirabel", "Odette", "Ophelia", "Persephone", "Rosalie", "Seraphina", "Theodora", "Valentina",
    "Vivienne", "Wilhelmina", "Anastasia", "Bernadette", "Clementine", "Dorothea", "Emmeline", "Florence", "Georgiana", "Honora",
    "Imelda", "Josepha", "Lucinda", "Magdalena", "Marianne", "Philippa", "Rosamund", "Sybil", "Temperance", "Winona",
    "Alma", "Bette", "Coral", "Dove", "Elsa", "Faye", "Gemma", "Hope", "Jade", "Joy",
    "June", "Kay", "Lark", "Liv", "Mae", "Maeve", "May", "Pearl", "Ruby", "Skye",
    "Star", "Tess", "Trixie", "Ace", "Bo", "Cole", "Dean", "Drew", "Finn", "Grant",
    "Hank", "Jay", "Kit", "Lee", "Lyle", "Max", "Ray", "Rhys", "Ty", "Abbott",
    "Bancroft", "Calloway", "Darcy", "Ellery", "Fairfax", "Gresham", "Hastings", "Ingram", "Jarrett", "Kingsley",
    "Lockwood", "Montague", "Northcott", "Osborne", "Pembroke", "Radcliffe", "Stanhope", "Talbot", "Underwood", "Vickers",
    "Wentworth", "Aldridge", "Beaumont", "Crawford", "Davenport", "Eldridge", "Fenwick", "Gilchrist", "Holloway", "Ives",
    "Keaton", "Lancaster", "Mercer", "Newbury", "Ormsby", "Prescott", "Rutherford", "Sutton", "Tennyson", "Ventnor",
    "Winthrop", "Ashford", "Bradford", "Cromwell", "Dunmore", "Everly", "Fairbanks", "Gallagher", "Hammond", "Irwin",
    "Jennings", "Kendrick", "Lowell", "Maddox", "Norwood", "Oswald", "Pemberton", "Ramsey", "Sheridan", "Townsend",
    "Vaughan", "Whitfield", "Ainsworth", "Branwell", "Chandler", "Dalton", "Ellsworth", "Faraday", "Granger", "Hartley",
    "Ingleby", "Jamison", "Kirkland", "Lindley", "Marsden", "Newell", "Ogden", "Prentice", "Rowland", "Sherwood",
    "Thornton", "Whitmore", "Alden", "Barrett", "Clifton", "Dexter", "Elwood", "Fletcher", "Grady", "Harlan",
    "Jareth", "Kellan", "Leland", "Milo", "Nevin", "Odell", "Porter", "Radley", "Sheldon", "Truman",
    "Wade", "Anselm", "Bram", "Caspian", "Dmitri", "Emrys", "Florian", "Gawain", "Idris", "Jory",
    "Kester", "Lorcan", "Mordecai", "Niall", "Oisin", "Piers", "Ronan", "Soren", "Tristan", "Wystan",
    "Alistair", "Bertram", "Cyril", "Dunstan", "Eamon", "Fergus", "Gilbert", "Humphrey", "Ivo", "Kenelm",
    "Lucius", "Mungo", "Neville", "Ossian", "Peregrine", "Rollo", "Sholto", "Torin", "Auberon", "Benedikt",
    "Cosmo", "Calder", "Everard", "Lorne", "Marius", "Tobin", "Hale", "Rafferty", "Sinclair", "Lachlan",
    "Brennan", "Corwin", "Galloway", "Hurst", "Lyndon", "Merrick", "Royce", "Stellan", "Tarquin", "Ulrich",
] }
