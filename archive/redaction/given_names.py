"""First names common in Chechnya, Ingushetia and Dagestan that Russian dictionaries lack.

pymorphy3's dictionary knows Russian names and many Muslim ones (Ахмед, Асланбек, Тимур), but
not names such as Мовсар, Зелимхан or Хеди; these are matched by spelling skeleton, in any
script and case form. A list of names is public knowledge, not data about anyone.
"""

MALE = """
Абдул Абдулла Абдурахман Абдулкерим Абу Абубакар Адам Адлан Айдамир Алаудин Алви Алихан
Али Алик Алу Альви Анзор Апти Арби Аслан Асланбек Асхаб Ахмад Ахмат Ахмед Аюб Багаудин
Байсангур Балаудин Бай Бекхан Беслан Бислан Билал Бувайсар Вахид Ваха Висита Висхан
Гапур Герихан Дауд Джабраил Джамал Джамбулат Джохар Дени Докка Дукваха Дуку Заур Зелимхан
Зубайр Ибрагим Идрис Иса Ислам Исмаил Исраил Казбек Кюри Лечи Магомед Магомад Мансур Мовсар
Мовлди Мовла Муса Муслим Мурад Мурат Нурди Нурмагомед Осман Раджаб Расул Ризван
Руслан Рустам Саид Саидхасан Салман Салауди Сайд Сайпуддин Султан Сулейман Сулим Тамерлан
Таус Тимур Турпал Умар Усман Хаваж Хамзат Хамид Хасан Хусейн Хож Хож-Ахмед Хункарпаша Чингиз
Шамиль Шарпудин Шахид Элиз Эмин Эльдар Эльмурза Юнус Юсуп Юсуф Якуб Ясин Аюбхан Байали
Ахъяд Зайнди Имран Магомед-Эми Супьян Сайхан Тагир Ахмед-Хаджи Абузар Билан
"""
FEMALE = """
Айна Айшат Айза Аминат Амина Асет Базу Бирлант Дагмара Жарадат Залина Зарема Зарина Зейнаб
Зулай Зура Зухра Иман Имани Индира Камила Кемса Лейла Лайла Либа Луиза Малика Мадина Марха
Медни Милана Мизан Петимат Раиса Рашана Седа Секки Тамара Тоита Хава Хадижат Хазан
Хеда Хеди Хяди Эльза Элина Эсет Яха Ясира Фатима Патимат Хурмат Зазу Малкан Малх Малхаз
"""

# Common English first names, for Latin-script testimonies and press, less those that are
# as often ordinary words (Frank, Grace, Mark, Will). A list of names is public knowledge.
ENGLISH = """
aaron adam alan albert alex alexander alice amanda amy andrew angela ann anna anne anthony
arthur barbara benjamin betty brian carl carol catherine charles charlotte chris christopher
daniel david deborah dennis diana donald dorothy edward elizabeth emily emma eric gary george
harry helen henry james jane jason jeffrey jennifer jessica john jonathan joseph joshua julia
karen kevin laura linda lisa margaret maria martha mary matthew michael nancy nicholas olivia
patricia paul peter rachel rebecca richard robert ronald ryan samuel sandra sarah scott sophie
stephen steven susan thomas timothy victoria walter william
"""

ALL = tuple(dict.fromkeys((MALE + FEMALE).split()))
