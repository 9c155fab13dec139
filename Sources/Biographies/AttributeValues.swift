/// Attribute values of bioS other than universities and employers (see Universities.swift,
/// Employers.swift). Every list is distinct and prefix-free at the token level (no value's tokens
/// start another value's tokens), so the summed loss over a value's span is the log-probability of
/// exactly that value. A config asking for k values uses the first k entries.

// Built by an unoptimized function rather than a global initializer: optimizing these long
// literals (inlined into their users) cost ~10 s of every release build.

/// 200 birth cities, each with its state ("Princeton, NJ" is three tokens).
let birthCityPool: [String] = makeBirthCityPool()
@inline(never) @_optimize(none)
private func makeBirthCityPool() -> [String] { [
    "New York, NY", "Los Angeles, CA", "Chicago, IL", "Houston, TX", "Phoenix, AZ",
    "Philadelphia, PA", "San Antonio, TX", "San Diego, CA", "Dallas, TX", "San Jose, CA",
    "Austin, TX", "Jacksonville, FL", "Fort Worth, TX", "Columbus, OH", "Charlotte, NC",
    "Indianapolis, IN", "San Francisco, CA", "Seattle, WA", "Denver, CO", "Oklahoma City, OK",
    "Nashville, TN", "El Paso, TX", "Washington, DC", "Boston, MA", "Las Vegas, NV",
    "Portland, OR", "Detroit, MI", "Louisville, KY", "Memphis, TN", "Baltimore, MD",
    "Milwaukee, WI", "Albuquerque, NM", "Tucson, AZ", "Fresno, CA", "Sacramento, CA",
    "Mesa, AZ", "Kansas City, MO", "Atlanta, GA", "Omaha, NE", "Colorado Springs, CO",
    "Raleigh, NC", "Long Beach, CA", "Virginia Beach, VA", "Miami, FL", "Oakland, CA",
    "Minneapolis, MN", "Tulsa, OK", "Bakersfield, CA", "Wichita, KS", "Arlington, TX",
    "Aurora, CO", "Tampa, FL", "New Orleans, LA", "Cleveland, OH", "Honolulu, HI",
    "Anaheim, CA", "Lexington, KY", "Stockton, CA", "Corpus Christi, TX", "Henderson, NV",
    "Riverside, CA", "Newark, NJ", "Saint Paul, MN", "Santa Ana, CA", "Cincinnati, OH",
    "Irvine, CA", "Orlando, FL", "Pittsburgh, PA", "St. Louis, MO", "Greensboro, NC",
    "Jersey City, NJ", "Anchorage, AK", "Lincoln, NE", "Plano, TX", "Durham, NC",
    "Buffalo, NY", "Chandler, AZ", "Chula Vista, CA", "Toledo, OH", "Madison, WI",
    "Gilbert, AZ", "Reno, NV", "Fort Wayne, IN", "North Las Vegas, NV", "St. Petersburg, FL",
    "Lubbock, TX", "Irving, TX", "Laredo, TX", "Winston-Salem, NC", "Chesapeake, VA",
    "Glendale, AZ", "Garland, TX", "Scottsdale, AZ", "Norfolk, VA", "Boise, ID",
    "Fremont, CA", "Spokane, WA", "Santa Clarita, CA", "Baton Rouge, LA", "Richmond, VA",
    "Hialeah, FL", "San Bernardino, CA", "Tacoma, WA", "Modesto, CA", "Huntsville, AL",
    "Des Moines, IA", "Yonkers, NY", "Rochester, NY", "Moreno Valley, CA", "Fayetteville, NC",
    "Fontana, CA", "Columbus, GA", "Worcester, MA", "Port St. Lucie, FL", "Little Rock, AR",
    "Augusta, GA", "Oxnard, CA", "Birmingham, AL", "Montgomery, AL", "Frisco, TX",
    "Amarillo, TX", "Salt Lake City, UT", "Grand Rapids, MI", "Huntington Beach, CA", "Overland Park, KS",
    "Glendale, CA", "Tallahassee, FL", "Grand Prairie, TX", "McKinney, TX", "Cape Coral, FL",
    "Sioux Falls, SD", "Peoria, AZ", "Providence, RI", "Vancouver, WA", "Knoxville, TN",
    "Akron, OH", "Shreveport, LA", "Mobile, AL", "Brownsville, TX", "Newport News, VA",
    "Fort Lauderdale, FL", "Chattanooga, TN", "Tempe, AZ", "Santa Rosa, CA", "Eugene, OR",
    "Elk Grove, CA", "Salem, OR", "Ontario, CA", "Cary, NC", "Rancho Cucamonga, CA",
    "Oceanside, CA", "Lancaster, CA", "Garden Grove, CA", "Pembroke Pines, FL", "Fort Collins, CO",
    "Palmdale, CA", "Springfield, MO", "Clarksville, TN", "Rockford, IL", "Alexandria, VA",
    "Savannah, GA", "Syracuse, NY", "Jackson, MS", "Hartford, CT", "Princeton, NJ",
    "Ann Arbor, MI", "Burlington, VT", "Portland, ME", "Manchester, NH", "Charleston, SC",
    "Charleston, WV", "Billings, MT", "Fargo, ND", "Cheyenne, WY", "Wilmington, DE",
    "Bridgeport, CT", "New Haven, CT", "Stamford, CT", "Albany, NY", "Ithaca, NY",
    "Erie, PA", "Allentown, PA", "Scranton, PA", "Lansing, MI", "Flint, MI",
    "Kalamazoo, MI", "Green Bay, WI", "Duluth, MN", "Rochester, MN", "Cedar Rapids, IA",
    "Davenport, IA", "Topeka, KS", "Springfield, IL", "Peoria, IL", "Champaign, IL",
    "Evansville, IN", "South Bend, IN", "Dayton, OH", "Youngstown, OH", "Lexington, VA",
] }

/// 100 college majors.
let majorPool: [String] = makeMajorPool()
@inline(never) @_optimize(none)
private func makeMajorPool() -> [String] { [
    "Communications", "Computer Science", "Mathematics", "Physics", "Chemistry",
    "Biology", "Economics", "Psychology", "History", "English Literature",
    "Philosophy", "Political Science", "Sociology", "Anthropology", "Linguistics",
    "Mechanical Engineering", "Electrical Engineering", "Civil Engineering", "Chemical Engineering", "Aerospace Engineering",
    "Biomedical Engineering", "Industrial Engineering", "Materials Science", "Environmental Science", "Geology",
    "Astronomy", "Statistics", "Data Science", "Information Systems", "Accounting",
    "Finance", "Marketing", "Business Administration", "Management", "International Relations",
    "Journalism", "Film Studies", "Art History", "Fine Arts", "Music",
    "Theater", "Dance", "Architecture", "Urban Planning", "Nursing",
    "Public Health", "Nutrition", "Kinesiology", "Neuroscience", "Biochemistry",
    "Molecular Biology", "Genetics", "Microbiology", "Ecology", "Marine Biology",
    "Zoology", "Botany", "Agricultural Science", "Forestry", "Veterinary Science",
    "Pharmacology", "Education", "Special Education", "Social Work", "Criminal Justice",
    "Legal Studies", "Religious Studies", "Classics", "Comparative Literature", "Creative Writing",
    "French", "Spanish", "German", "Italian", "Japanese",
    "Chinese", "Russian", "Arabic", "Graphic Design", "Industrial Design",
    "Fashion Design", "Interior Design", "Photography", "Hospitality Management", "Supply Chain Management",
    "Real Estate", "Actuarial Science", "Operations Research", "Cognitive Science", "Gender Studies",
    "African American Studies", "Latin American Studies", "Asian Studies", "Geography", "Oceanography",
    "Meteorology", "Nuclear Engineering", "Petroleum Engineering", "Software Engineering", "Robotics",
] }

/// The 12 months of a birth date; days run 1...28 in every month (12 × 28 × years dates).
let monthNames: [String] = makeMonthNames()
@inline(never) @_optimize(none)
private func makeMonthNames() -> [String] { [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
] }
