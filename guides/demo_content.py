"""Copy for the demo site, written for this project. ``{slug|text}`` marks an affiliate link."""

HOME_INTRO = (
    "Straightforward advice for every step of a job search, from the first application "
    "to the follow-up after your final interview."
)

DISCLOSURE = [
    "Some links on this site are referral links. If you follow one and then buy a product "
    "or sign up for a service, the company may pay us a fee. It costs you nothing extra.",
    "We only recommend tools and services we would use ourselves, and referral fees never "
    "decide what our guides say. Pages that contain referral links say so at the top.",
    "Clicks on referral links are counted without storing your IP address or browser "
    "details, so we can see which recommendations help readers without tracking you.",
]

ABOUT = [
    "Career Compass is written by people who have hired, been hired and been turned down. "
    "We turn what we learned into short, practical guides.",
]

AFFILIATE_LINKS = [
    {
        "slug": "resume-builder",
        "name": "CV builder – annual plan",
        "partner": "ResumeCraft",
        "network": "Example Network",
        "url": "https://www.example.com/resume-builder?ref=careercompass",
        # A CJ-style network: the click id goes back as `sid` (docs/earnings.md).
        "partner_rules": {"tracking_template": "sid={click_id}"},
    },
    {
        "slug": "interview-coaching",
        "name": "Interview coaching – first session",
        "partner": "CoachPoint",
        "network": "",
        "url": "https://coaching.example.org/book?aff=cc-001",
        # Lines the partner network's reports up with ours (see docs/affiliate-links.md):
        # the page and section, and the click id its sales come back with (docs/earnings.md).
        "partner_rules": {
            "tracking_template": "utm_source={site}&utm_campaign={section_slug}"
            "&subid={page_slug}&clickref={click_id}",
        },
    },
    {
        "slug": "thank-you-cards",
        "name": "Professional thank-you cards",
        "partner": "PaperTrail Stationery",
        "network": "Example Network",
        "url": "https://shop.example.com/cards/thank-you?affiliate=cc",
        # A programme that, like Amazon Associates, forbids hiding where a link goes.
        "partner_rules": {
            "link_style": "direct",
            "disclosure_sentence": "As a PaperTrail Stationery affiliate, Career Compass "
            "earns from qualifying purchases.",
            "link_marker": "(paid link)",
        },
    },
]

#: Networks that report the demo partners' sales (Affiliates › Networks).
NETWORKS = ["Example Network"]

PEOPLE = [
    {
        "slug": "amara-okafor",
        "name": "Amara Okafor",
        "role": "Careers adviser",
        "bio": "Amara has helped graduates and career changers prepare for interviews for "
        "twelve years, first at a university careers service and now independently.",
        "credentials": "Level 6 Diploma in Career Guidance and Development.\n"
        "Member of a professional body for career development practitioners.",
        "links": [("Website", "https://amara-okafor.example.com/")],
    },
    {
        "slug": "daniel-reyes",
        "name": "Daniel Reyes",
        "role": "Recruitment consultant",
        "bio": "Daniel has sat on the other side of the table for more than 800 interviews, "
        "hiring for technology and finance teams.",
        "credentials": "Fifteen years in agency and in-house recruitment; "
        "former head of talent acquisition at a mid-sized software company.",
        "links": [("Website", "https://daniel-reyes.example.com/")],
    },
]
#: Every demo guide's author, reviewer and the day the reviewer last checked it.
GUIDE_PEOPLE = {"authors": ["amara-okafor"], "reviewer": "daniel-reyes"}
LAST_REVIEWED = (2026, 11, 2)

FEATURED = ["follow-up-interview-tips", "tailor-your-cv-to-a-job-advert"]

SECTIONS = [
    {
        "slug": "preparing-for-a-job-interview",
        "title": "Preparing for a Job Interview",
        # What its pictures show (guides.demo_pictures).
        "motif": "speech",
        "summary": "What to do before, during and after an interview.",
        "intro": "Interviews reward preparation. These guides walk you through each stage so "
        "you arrive calm, answer clearly and follow up well.",
        "guides": [
            {
                "slug": "follow-up-interview-tips",
                "title": "Follow Up Interview Tips",
                "summary": "Invited back for a second interview? Here is what changes the "
                "second time, who you are likely to meet, and what to talk about.",
                "intro": "A second interview means the employer already believes you can do "
                "the job. Now they want to know how you would fit in, and whether the people "
                "you would work with agree. The questions below cover what usually happens "
                "and how to make the most of it.",
                "questions": [
                    (
                        "Why am I being brought in for a second interview?",
                        [
                            "Your first interview went well enough to put you on a short list.",
                            "The employer wants to compare a few strong candidates side by side.",
                            "Decision makers who missed the first round want to meet you.",
                            "They want to test specific skills in more depth.",
                        ],
                    ),
                    (
                        "Who will interview me the second time around?",
                        [
                            "Often the hiring manager you would report to.",
                            "Future colleagues, who want to picture working alongside you.",
                            "A senior manager or director with the final say.",
                            "Sometimes a panel, mixing several of these people.",
                        ],
                    ),
                    (
                        "What should I talk about, when I thought I told them everything the "
                        "first time?",
                        [
                            "Go deeper on one or two achievements, with numbers where you can.",
                            "Show what you have learned about the team since the first meeting.",
                            "Ask about the first ninety days and how success is measured.",
                        ],
                    ),
                ],
                "tip": "Send a short thank-you note within a day of the interview. A "
                "{thank-you-cards|printed card} stands out, but a clear email works too.",
                "product": {
                    "link": "thank-you-cards",
                    "name": "PaperTrail thank-you cards",
                    "verdict": "Heavy, plain cards that suit a short note to an interviewer: "
                    "nothing on them distracts from what you write.",
                    "pros": ["Blank inside, with matching envelopes", "Arrive in two days"],
                    "cons": ["Sold in packs of ten only"],
                    "rating": "4.5",
                    "price_note": "£9 for ten cards (November 2026)",
                    "button": "See the cards",
                },
                "comparison": {
                    "caption": "Three ways to say thank you after an interview",
                    "products": [
                        ("Printed card", "thank-you-cards"),
                        ("Email", None),
                        ("Handwritten note", None),
                    ],
                    "rows": [
                        ("Cost", ["£9 for ten", "Free", "A stamp"]),
                        ("Arrives", ["In one to two days", "At once", "In one to three days"]),
                        ("Best for", ["Smaller firms", "Fast-moving hiring", "A personal touch"]),
                    ],
                },
                "cta": {
                    "link": "interview-coaching",
                    "heading": "Practise with a coach",
                    "text": "A mock second interview with an experienced recruiter shows you "
                    "where your answers need work.",
                    "button": "Book a coaching session",
                },
                "closing": "Treat the second interview as a conversation between people who "
                "may soon work together. Prepare, be yourself, and follow up promptly.",
            },
            {
                "slug": "research-a-company-before-an-interview",
                "title": "Research a Company Before an Interview",
                "summary": "Where to look and what to note so your answers show real interest.",
                "intro": "Interviewers can tell who has done their homework. A focused hour of "
                "research gives you better answers and sharper questions.",
                "questions": [
                    (
                        "Where should I start?",
                        [
                            "Read the company's own site, especially news and annual reports.",
                            "Look at recent press coverage and industry commentary.",
                            "Check how current staff describe their work in public profiles.",
                        ],
                    ),
                    (
                        "What should I write down?",
                        [
                            "Three facts you can mention naturally in an answer.",
                            "One challenge the company faces that your skills could help with.",
                            "Two questions you genuinely want answered.",
                        ],
                    ),
                ],
                "closing": "Bring your notes, but do not read from them. The goal is to "
                "sound informed, not rehearsed.",
            },
            {
                "slug": "answer-common-interview-questions",
                "title": "Answer Common Interview Questions",
                "summary": "A simple structure for the questions almost every interview asks.",
                "intro": "Most interviews return to the same handful of questions. A clear "
                "structure keeps your answers short and memorable.",
                "questions": [
                    (
                        "How do I answer “tell me about yourself”?",
                        [
                            "Start with what you do now, in one sentence.",
                            "Add one achievement that matters for this role.",
                            "Finish with why this job is the right next step.",
                        ],
                    ),
                    (
                        "What is the best way to describe a past achievement?",
                        [
                            "Set the scene briefly: the situation and your task.",
                            "Spend most of the time on what you actually did.",
                            "End with the result, measured if possible.",
                        ],
                    ),
                    (
                        "How should I talk about a weakness?",
                        [
                            "Pick something real but not central to the job.",
                            "Explain what you are doing to improve it.",
                        ],
                    ),
                ],
                "tip": "Practise out loud. Answers that read well on paper often run long "
                "when spoken, and {interview-coaching|a coach} can time you.",
                "closing": "Prepared structure, not memorised scripts, is what makes answers "
                "sound confident.",
            },
            {
                "slug": "what-to-wear-to-an-interview",
                "title": "What to Wear to an Interview",
                "summary": "Dress for the company you are visiting, one step smarter.",
                "intro": "Clothes will not win you the job, but the wrong ones can distract "
                "from what you say. Aim to look like you already belong, only a little neater.",
                "questions": [
                    (
                        "How formal should I be?",
                        [
                            "Match the company's everyday dress code, then go one step smarter.",
                            "When unsure, ask the recruiter; it is a normal question.",
                        ],
                    ),
                    (
                        "What about video interviews?",
                        [
                            "Dress fully as you would in person; it changes how you sit and speak.",
                            "Avoid busy patterns that flicker on camera.",
                        ],
                    ),
                ],
                "closing": "Lay everything out the night before so the morning is calm.",
            },
        ],
    },
    {
        "slug": "writing-your-cv",
        "title": "Writing Your CV",
        "motif": "paper",
        "summary": "Make your CV easy to read and hard to ignore.",
        "intro": "A recruiter may spend less than a minute on your CV. These guides help you "
        "use that minute well.",
        "guides": [
            {
                "slug": "tailor-your-cv-to-a-job-advert",
                "title": "Tailor Your CV to a Job Advert",
                "summary": "Change the right few lines so each application fits the job.",
                "intro": "Sending the same CV everywhere is quick but rarely works. Small, "
                "targeted changes make a large difference.",
                "questions": [
                    (
                        "What should I change for each application?",
                        [
                            "Your opening summary, so it echoes the role's main needs.",
                            "The order of your bullet points, most relevant first.",
                            "Keywords from the advert, where they honestly apply.",
                        ],
                    ),
                    (
                        "Is a CV builder worth it?",
                        [
                            "It helps if layout is slowing you down.",
                            "A {resume-builder|good CV builder} keeps versions for each job.",
                        ],
                    ),
                ],
                "closing": "Keep a master CV with everything, and cut from it for each job.",
            },
            {
                "slug": "cv-mistakes-to-avoid",
                "title": "CV Mistakes to Avoid",
                "summary": "The small errors that send a CV to the bottom of the pile.",
                "intro": "Recruiters read hundreds of CVs and notice the same mistakes again "
                "and again. Avoid these and you are already ahead.",
                "questions": [
                    (
                        "Which mistakes do recruiters notice first?",
                        [
                            "Spelling errors, especially in the company's name.",
                            "Long paragraphs instead of short, scannable points.",
                            "Duties listed without any results.",
                        ],
                    ),
                ],
                "closing": "Ask a friend to read your CV aloud to you; errors become obvious.",
            },
        ],
    },
]
