# SPDX-License-Identifier: Apache-2.0
"""Name, place and site tables for gen_population.py.

Written for this generator from the domain notes (docs: arabic-names.md sections 1, 3.3-3.5
and 5); nothing here is taken from the evaluation data in /work/shared/eval, so scores on that
data stay an outside check.

Format of the name tables, one family per line:

    ARABIC | WEIGHT | TAG | Latin1 Latin2 ...

WEIGHT is a relative frequency among people of that sex; the generator normalises per region.
The weights give the shape of arabic-names.md 5.1: Muhammad about 6-7.5 % of men, the top 5
names about 22 %, the top 30 about 50 %, a tail of ~110 names at weight 2 (a registry has
thousands of rare names; with a short tail the collision rate per name slot, sum of p^2, is
kept near the 0.016 of the worked model in 5.2 instead). TAG is `s` (Sunni-leaning in Iraq), `h` (Shia-leaning) or `-` (neutral): the
generator tilts the weights by region. Latin spellings are listed most common first; `_` stands
for a space inside one spelling (`Abdul_Rahman` is two Latin tokens, one name).
"""

MALE = """
محمد | 66 | - | Mohammed Muhammad Mohammad Mohamed Mohamad Muhammed Mhd Mohamud
أحمد | 45 | - | Ahmed Ahmad Ehmed Ahmet
علي | 40 | - | Ali Aly Alee
عمر | 28 | s | Omar Umar Omer Oumar
حسين | 25 | h | Hussein Hussain Husain Husayn Hossein Hussien
حسن | 25 | - | Hasan Hassan Hasen Hassen
عبد الله | 25 | - | Abdullah Abdallah Abdulla Abd_Allah Abdalla
خالد | 18 | - | Khalid Khaled Khaleed
محمود | 16 | - | Mahmoud Mahmood Mahmud Mehmud
إبراهيم | 16 | - | Ibrahim Ibraheem Ebrahim Ibrahem
جاسم | 14 | - | Jasim Jassim Jassem Jasem
عباس | 12 | h | Abbas Abas Abbass
يوسف | 12 | - | Yousif Yousef Youssef Yusuf Yusef
مصطفى | 11 | - | Mustafa Mostafa Moustafa Mustapha
صالح | 10 | - | Saleh Salih Saaleh
عبد الرحمن | 9 | s | Abdul_Rahman Abdulrahman Abd_al-Rahman Abdelrahman Abdel_Rahman Abdurrahman
حيدر | 9 | h | Haider Hayder Haidar Haydar
سعد | 8 | - | Saad Sa'ad Sad
خليل | 8 | - | Khalil Khaleel Kalil
كاظم | 8 | h | Kadhim Kazim Kathim Kazem Kadim
حميد | 7 | - | Hameed Hamid Humaid
قاسم | 7 | - | Qasim Kasim Qassim Kassem Gasim
حامد | 6 | - | Hamid Hamed Haamid Hameed
سلمان | 6 | - | Salman Selman
مهدي | 6 | h | Mahdi Mehdi Mahdy
ياسين | 5 | - | Yaseen Yasin Yassin Yassine
فاضل | 5 | - | Fadhil Fadil Fadel Fathel
عبد الكريم | 5 | - | Abdulkareem Abdul_Karim Abdulkarim Abd_al-Karim Abdel_Karim
عثمان | 5 | s | Othman Uthman Osman Usman
وليد | 5 | - | Waleed Walid Oualid
ياسر | 5 | - | Yasser Yasir Yaser Yassir
جمال | 5 | - | Jamal Jamaal Jamel
عادل | 5 | - | Adil Adel
عدنان | 5 | - | Adnan Adnane
سعيد | 5 | - | Saeed Said Sa'id Saied
موسى | 5 | - | Musa Moussa Mousa Moosa
إسماعيل | 5 | - | Ismail Ismael Esmail Isma'il Ismaeel
سالم | 5 | - | Salim Salem Saalim
حمد | 5 | - | Hamad Hamed
فلاح | 5 | - | Falah Fallah
طه | 4 | - | Taha Taaha
عبد الرزاق | 4 | - | Abdulrazzaq Abdul_Razzaq Abdulrazaq Abd_al-Razzaq Abdel_Razek
عبد الستار | 4 | - | Abdulsattar Abdul_Sattar Abd_al-Sattar Abdelsattar
عبد الجبار | 4 | - | Abduljabbar Abdul_Jabbar Abd_al-Jabbar
عبد العزيز | 4 | - | Abdulaziz Abdul_Aziz Abdelaziz Abd_al-Aziz
عبد القادر | 4 | - | Abdulqadir Abdul_Qader Abdulkadir Abdelkader
عبد الحسين | 4 | h | Abdul_Hussein Abdulhussein Abdulhussain Abd_al-Husayn
فيصل | 4 | - | Faisal Faysal Feisal
هيثم | 4 | - | Haitham Haytham Haysam Heitham
رعد | 4 | - | Raad Ra'ad Rad
رائد | 4 | - | Raed Raid Ra'id Raeed
وائل | 4 | - | Wael Wail Wa'il
هشام | 4 | - | Hisham Hesham Hicham
هاشم | 4 | - | Hashim Hashem Hachem
عماد | 4 | - | Imad Emad Imed
إياد | 4 | - | Iyad Eyad Ayad
حمزة | 4 | - | Hamza Hamzah Hamzeh
مرتضى | 4 | h | Murtadha Murtada Mortada Murtaza
جعفر | 4 | h | Jaafar Jafar Ja'far Jaffar
صلاح | 4 | - | Salah Slah
عيسى | 4 | - | Issa Isa Eissa
صباح | 4 | - | Sabah Sabbah
خلف | 4 | - | Khalaf Khalf
زياد | 4 | - | Ziyad Ziad Zyad
عامر | 4 | - | Amer Aamer Amir
عمار | 4 | - | Ammar Amar Ammaar
ناصر | 4 | - | Nasser Nasir Naser
كريم | 4 | - | Kareem Karim Kerim
طارق | 4 | - | Tariq Tarek Tareq Tarik
عبد السلام | 3 | - | Abdulsalam Abdul_Salam Abdussalam Abd_al-Salam
عبد الزهرة | 3 | h | Abdul_Zahra Abdulzahra Abd_al-Zahra
عبد الأمير | 3 | h | Abdul_Amir Abdulameer Abdulamir
أسامة | 3 | s | Osama Usama Usamah Ossama
ذياب | 3 | - | Dhiyab Diab Thiab Dhiab Diyab
ظافر | 3 | - | Dhafer Dhafir Thafer Zafir
ضياء | 3 | - | Dhiaa Dhia Diaa Diya
قصي | 3 | - | Qusay Qusai Qussay Kusay
عدي | 3 | - | Uday Udai Oday Odai
جميل | 3 | - | Jameel Jamil Jamiel
يحيى | 3 | - | Yahya Yehia Yahia Yehya
مؤيد | 3 | - | Muayad Moayad Muayyad Mouayad
عواد | 3 | s | Awad Awwad Aouad
مهند | 3 | - | Muhannad Mohannad Mohanad
أنس | 3 | - | Anas Anes
ثامر | 3 | - | Thamer Thamir Tamer
أكرم | 3 | - | Akram Akrem
جبار | 3 | - | Jabbar Jabar
ستار | 3 | - | Sattar Satar
غازي | 3 | - | Ghazi Ghazy Gazi
شاكر | 3 | - | Shakir Shaker
محسن | 3 | - | Mohsen Muhsin Muhsen
حازم | 3 | - | Hazim Hazem
رياض | 3 | - | Riyadh Riyad Riad
باسم | 3 | - | Basim Basem Bassem
أبو بكر | 2 | s | Abu_Bakr Abubakr Abubakar
صلاح الدين | 2 | - | Salah_al-Din Salahuddin Salah_Eldin Salaheddin
نور الدين | 2 | - | Nur_al-Din Nureddin Nouraddin Noor_Aldeen
عز الدين | 2 | - | Izz_al-Din Ezzeddin Izzaddin Ezz_Eldin
سيف الدين | 2 | - | Saif_al-Din Saifuddin Saif_Aldeen Seifeddin
يعقوب | 2 | - | Yaqub Yacoub Yaqoub Yakub
سليم | 2 | - | Saleem Selim Salim
رضا | 2 | h | Ridha Rida Reda Redha
رجب | 2 | - | Rajab Ragab
نجيب | 2 | - | Najeeb Najib Nagib
شريف | 2 | - | Sharif Shareef Sherif
بشار | 2 | - | Bashar Bashshar Bachar
بشير | 2 | - | Bashir Basheer Bachir
منذر | 2 | - | Munther Mundhir Monther Munzir
أمير | 2 | - | Ameer Amir Emir
نزار | 2 | - | Nizar Nezar
سعدون | 2 | - | Saadoun Sadoon Sa'dun
مازن | 2 | - | Mazen Mazin
صدام | 2 | s | Saddam Sadam
تركي | 2 | - | Turki Turky
نايف | 2 | - | Nayef Naif Nayif
عبد الرحيم | 2 | - | Abdul_Rahim Abdulrahim Abd_al-Rahim Abdel_Rahim
عاصم | 2 | - | Asim Assem Asem
حسان | 1 | - | Hassan Hassaan
حفص | 1 | s | Hafs Hafes
مروان | 2 | - | Marwan Merwan
سامي | 2 | - | Sami Samy
فارس | 2 | - | Faris Fares
ماجد | 2 | - | Majid Majed
نبيل | 2 | - | Nabil Nabeel
هادي | 2 | - | Hadi Hady
كمال | 2 | - | Kamal Kemal
لؤي | 2 | - | Luay Louay Loai
نعمان | 2 | - | Numan Noman Nu'man
عصام | 2 | - | Issam Esam Isam
سامر | 2 | - | Samer Sammer
سمير | 2 | - | Samir Sameer
زيد | 2 | - | Zaid Zayd Zeid
عقيل | 2 | - | Aqeel Aqil Akeel
مثنى | 2 | - | Muthanna Muthana
عبد المجيد | 2 | - | Abdulmajeed Abdul_Majid Abd_al-Majid
عبد اللطيف | 2 | - | Abdullatif Abdul_Latif Abdellatif
عبد الوهاب | 2 | - | Abdulwahab Abdul_Wahhab Abd_al-Wahhab
عبد الحميد | 2 | - | Abdulhameed Abdul_Hamid Abdelhamid
عبد الغني | 2 | - | Abdulghani Abdul_Ghani
عبد الهادي | 2 | - | Abdulhadi Abdul_Hadi
عبد الحليم | 2 | - | Abdulhalim Abdul_Halim
عبد الناصر | 2 | - | Abdulnasser Abdul_Nasir
عبد المنعم | 2 | - | Abdulmunim Abdul_Moneim
عبد الخالق | 2 | - | Abdulkhaliq Abdul_Khaliq
عبد الواحد | 2 | - | Abdulwahid Abdul_Wahid
علاء | 2 | - | Alaa Ala'a Ala
علاء الدين | 2 | - | Alaa_al-Din Alaaddin Aladdin
ضرغام | 2 | - | Dhurgham Dergham
أيمن | 2 | - | Ayman Aiman
أمجد | 2 | - | Amjad Amjed
أشرف | 2 | - | Ashraf Ashref
أنور | 2 | - | Anwar Anouar
بلال | 2 | - | Bilal Belal
توفيق | 2 | - | Tawfiq Tawfeeq Tewfik
ثائر | 2 | - | Thaer Thair
جلال | 2 | - | Jalal Galal
حاتم | 2 | - | Hatem Hatim
حافظ | 2 | - | Hafidh Hafez Hafiz
حكمت | 2 | - | Hikmat Hekmat
خضير | 2 | - | Khudair Khudhair Khdair
داود | 2 | - | Dawood Dawud Daoud
راشد | 2 | - | Rashid Rashed
رشيد | 2 | - | Rasheed Rashid
زكي | 2 | - | Zaki Zaky
سفيان | 2 | - | Sufyan Sofian
سلام | 2 | - | Salam Sallam
سليمان | 2 | - | Sulaiman Suleiman Sulayman
شهاب | 2 | - | Shihab Shehab
ضاري | 2 | - | Dhari Dari
طلال | 2 | - | Talal Tallal
عارف | 2 | - | Arif Aref
عبيد | 2 | - | Ubaid Obaid Obeid
عزيز | 2 | - | Aziz Azeez
عطية | 2 | - | Atiya Atiyah Attia
عمران | 2 | - | Imran Omran
غسان | 2 | - | Ghassan Ghasan
فراس | 2 | - | Firas Feras
فرحان | 2 | - | Farhan Farhaan
فوزي | 2 | - | Fawzi Fawzy
قيس | 2 | - | Qais Qays Kais
لطيف | 2 | - | Latif Lateef
ماهر | 2 | - | Maher Mahir
مجيد | 2 | - | Majeed Mejeed Majid
مالك | 2 | - | Malik Malek
مراد | 2 | - | Murad Mourad
مشعان | 2 | - | Mishaan Mashaan
مطلك | 2 | - | Mutlaq Mutlak Mutlik
منير | 2 | - | Munir Mounir
ناجي | 2 | - | Naji Nagi
نجم | 2 | - | Najm Najim Nejm
نصير | 2 | - | Naseer Nusair
نوري | 2 | - | Nouri Nuri
هلال | 2 | - | Hilal Helal
وسام | 2 | - | Wisam Wissam
وعد | 2 | - | Waad Wa'ad
يونس | 2 | - | Younis Yunus Younes
إسحاق | 2 | - | Ishaq Ishak
إدريس | 2 | - | Idris Idrees
زهير | 2 | - | Zuhair Zuhayr Zouhair
سعود | 2 | - | Saud Saoud
صبري | 2 | - | Sabri Sabry
عبود | 2 | - | Abboud Aboud
حمود | 2 | - | Hammoud Hamood
دحام | 2 | - | Daham Dahham
مطر | 2 | - | Matar Mattar
مزهر | 2 | - | Mazhar Mizher
جابر | 2 | - | Jaber Jabir
خميس | 2 | - | Khamis Khamees
جمعة | 2 | - | Juma Jumaa Jumah
فرج | 2 | - | Faraj Farag
نوفل | 2 | - | Nawfal Noufal
سيف | 2 | - | Saif Sayf Seif
رحيم | 2 | - | Raheem Rahim
سعدي | 2 | - | Saadi Sa'di
عبد العباس | 2 | h | Abdul_Abbas Abdulabbas Abd_al-Abbas
عبد الرضا | 2 | h | Abdulridha Abdul_Redha Abd_al-Rida
عبد علي | 2 | h | Abd_Ali Abdali
حسنين | 2 | h | Hasanain Hassanein Hasnain
مسلم | 2 | h | Muslim Moslem
كرار | 2 | h | Karrar Karar
منتظر | 2 | h | Muntadhar Muntazer Montazer
سجاد | 2 | h | Sajjad Sajad
جواد | 2 | h | Jawad Jawwad
معاذ | 2 | s | Muadh Moath Muath
"""

FEMALE = """
فاطمة | 16 | - | Fatima Fatimah Fatma Fatema
زينب | 10 | - | Zainab Zaynab Zeinab
مريم | 9 | - | Maryam Mariam Mariem
عائشة | 8 | s | Aisha Aysha Ayesha Aicha
خديجة | 7 | - | Khadija Khadijah Khadeeja
آمنة | 6 | - | Amna Amina Aminah
نور | 6 | - | Noor Nour Nur
زهراء | 6 | h | Zahraa Zahra Zahra'
هدى | 5 | - | Huda Hoda Houda
سارة | 6 | - | Sara Sarah Sarra
ليلى | 6 | - | Layla Leila Laila
رقية | 6 | - | Ruqaya Ruqayya Roqaya
إيمان | 6 | - | Iman Eman Imane
حنان | 5 | - | Hanan Hannan
سعاد | 5 | - | Suad Souad Su'ad
سميرة | 5 | - | Samira Sameera Samirah
أسماء | 5 | - | Asmaa Asma Asma'
منى | 5 | - | Muna Mona Mouna
سلمى | 4 | - | Salma Selma
هناء | 4 | - | Hanaa Hana Hana'
نادية | 4 | - | Nadia Nadiya Nadya
وداد | 3 | - | Widad Wedad
نجلاء | 3 | - | Najla Najlaa
رنا | 3 | - | Rana Ranaa
كوثر | 3 | - | Kawthar Kauthar Kawther
صبيحة | 3 | - | Sabiha Sabeeha
خيرية | 3 | - | Khairiya Khayriya Khairiyah
جميلة | 3 | - | Jamila Jameela Jamilah
بشرى | 3 | - | Bushra Boushra
ابتسام | 3 | - | Ibtisam Ebtesam Ibtissam
شيماء | 3 | - | Shaimaa Shayma Shaima
أمينة | 2 | - | Ameena Amina Aminah
رحاب | 2 | - | Rehab Rihab
غادة | 2 | - | Ghada Ghadah
رشا | 2 | - | Rasha Racha
نوال | 2 | - | Nawal Nawaal
أمل | 2 | - | Amal Amel
انتصار | 2 | - | Intisar Entisar
بتول | 2 | - | Batool Batoul Batul
تغريد | 2 | - | Taghreed Tagrid
ثناء | 2 | - | Thanaa Thana Sanaa
جنان | 2 | - | Jinan Janan
حليمة | 2 | - | Halima Haleema
حمدية | 2 | - | Hamdiya Hamdiyah
خلود | 2 | - | Khulood Kholoud
دعاء | 2 | - | Duaa Doaa Du'a
رباب | 2 | - | Rabab Rubab
رجاء | 2 | - | Rajaa Raja
رحمة | 2 | - | Rahma Rahmah
سندس | 2 | - | Sundus Sondos
سهام | 2 | - | Siham Seham
سهى | 2 | - | Suha Soha
شذى | 2 | - | Shatha Shadha Shaza
صفية | 2 | - | Safiya Safiyya
ضحى | 2 | - | Dhuha Duha Doha
عبير | 2 | - | Abeer Abir
عذراء | 2 | - | Athraa Adhraa
علياء | 2 | - | Alyaa Aliaa Alia
غفران | 2 | - | Ghufran Ghofran
فريال | 2 | - | Ferial Faryal
فضيلة | 2 | - | Fadila Fadhila Fadheela
قمر | 2 | - | Qamar Kamar
لمياء | 2 | - | Lamyaa Lamia
ماجدة | 2 | - | Majida Majeda
محاسن | 2 | - | Mahasin Mahasen
ميسون | 2 | - | Maysoon Maisoon Mayssoun
نجاة | 2 | - | Najat Nejat
نسرين | 2 | - | Nisreen Nesrine Nisrin
نهى | 2 | - | Nuha Noha
هالة | 2 | - | Hala Halah
هيفاء | 2 | - | Haifa Hayfaa
وفاء | 2 | - | Wafaa Wafa
ياسمين | 2 | - | Yasmin Yasmeen Yasmine
بسمة | 2 | - | Basma Basmah
رغد | 2 | - | Raghad Rghad
ريم | 2 | - | Reem Rim
سوسن | 2 | - | Sawsan Sausan
عفاف | 2 | - | Afaf Efaf
نرجس | 2 | - | Narjis Narges
"""

# Tribal and family names: ARABIC | WEIGHT | REGION | Latin spellings without the article.
# REGION: i (Iraq, any), is (Iraq, Sunni areas), ih (Iraq, Shia areas), y (Syria).
FAMILY = """
الجبوري | 10 | is | Jubouri Jabouri Juburi Jibouri Jbouri
الدليمي | 9 | is | Dulaimi Dulaymi Duleimi Dleimi
العبيدي | 7 | is | Obeidi Ubaydi Ubaidi Obaidi Oubaidi
الشمري | 6 | i | Shammari Shamari Shammary
التميمي | 5 | i | Tamimi Temimi Tamimy
الزبيدي | 4 | i | Zubaidi Zubaydi Zobaidi
الجنابي | 4 | is | Janabi Jenabi Ganabi
المشهداني | 3 | is | Mashhadani Mashadani
السامرائي | 3 | is | Samarrai Samaraee Sammarai Samarraie
التكريتي | 2 | is | Tikriti Takriti Tikrity
الكربولي | 3 | is | Karbouli Karbuli Kerbouli
العزاوي | 3 | i | Azzawi Azawi Ezzawi
العيساوي | 3 | is | Issawi Eisawi Isawi
الراوي | 2 | is | Rawi Rawy
العاني | 2 | is | Ani Aani
الفهداوي | 3 | is | Fahdawi Fahadawi
الفلاحي | 2 | is | Falahi Fallahi
النعيمي | 3 | is | Nuaimi Naimi Nuaymi
المحمدي | 2 | is | Mohammadi Muhammadi Mohamadi
البدري | 2 | is | Badri Badry
الحمداني | 3 | i | Hamdani Hamadani
البياتي | 2 | i | Bayati Bayaty
الهاشمي | 2 | i | Hashimi Hashemi Hachemi
الموسوي | 3 | ih | Musawi Mousawi Mosawi
الحسيني | 2 | ih | Husseini Hussaini Husayni
الخفاجي | 3 | ih | Khafaji Khafagi
الساعدي | 3 | ih | Saadi Sa'adi Saedi
اللامي | 2 | ih | Lami Lamy
المالكي | 3 | ih | Maliki Malki
الكعبي | 2 | ih | Kaabi Ka'bi
الحسن | 5 | y | Hasan Hassan
الأحمد | 5 | y | Ahmad Ahmed
الخلف | 4 | y | Khalaf Khalf
الحسين | 4 | y | Hussein Hussain
العلي | 4 | y | Ali Aly
المحمد | 4 | y | Mohammad Mohammed Muhammad
العبود | 3 | y | Aboud Abboud Abbud
الحمد | 3 | y | Hamad Hamed
الجاسم | 3 | y | Jasim Jassem Jassim
الصالح | 3 | y | Saleh Salih
العبيد | 3 | y | Obaid Ubaid Obeid
الشعيطي | 2 | y | Shaiti Shu'aiti Shuaity
العكيدي | 2 | y | Ogaidi Oqaidi Akidi
البكاري | 2 | y | Baggari Bakari Bakkari
الدندل | 1 | y | Dandal Dandel
"""

# Nisbas used in kunya aliases (Abu X al-NISBA): ARABIC | Latin spellings without the article.
NISBA = """
الموصلي | Mosuli Mawsili Mousuli
العراقي | Iraqi
الأنباري | Anbari
الأنصاري | Ansari
الشامي | Shami
الديري | Deiri Dairi
الرقاوي | Raqqawi Rakkawi
البغدادي | Baghdadi Bagdadi
الحلبي | Halabi
الجزراوي | Jazrawi Jazarawi
الكركوكلي | Karkukli Kirkukli
الفلوجي | Falluji Faluji
"""

# Birth places: ARABIC | REGION | Latin spellings (`_` = space). REGION: is / ih / im (Iraq mixed) / y (Syria).
PLACES = """
الموصل | is | Mosul Mousel Al-Mosul
تكريت | is | Tikrit Tekrit
الرمادي | is | Ramadi Al-Ramadi
الفلوجة | is | Fallujah Falluja Faluja
سامراء | is | Samarra Samara
الحويجة | is | Hawija Hawijah Al-Hawija
بيجي | is | Baiji Bayji Beiji
الشرقاط | is | Sharqat Shirqat Al-Shirqat
حديثة | is | Haditha Hadithah
القائم | is | Qaim Al-Qaim Al_Qa'im
تلعفر | is | Tal_Afar Tel_Afar Tall_Afar
هيت | is | Hit Heet
البصرة | ih | Basra Basrah
كربلاء | ih | Karbala Kerbala
النجف | ih | Najaf Al-Najaf
الناصرية | ih | Nasiriyah Nasiriya Nassiriya
العمارة | ih | Amarah Amara
الكوت | ih | Kut Al-Kut
الديوانية | ih | Diwaniyah Diwaniya
الحلة | ih | Hilla Hillah Al-Hilla
بغداد | im | Baghdad Bagdad
كركوك | im | Kirkuk Karkuk
بعقوبة | im | Baqubah Baquba Baaqubah
أربيل | im | Erbil Arbil Irbil
سنجار | im | Sinjar Shingal
دهوك | im | Duhok Dohuk
الرقة | y | Raqqa Ar-Raqqah Rakka
دير الزور | y | Deir_ez-Zor Deir_al-Zour Deir_Ezzor Dayr_al-Zawr
الحسكة | y | Hasakah Al-Hasakah Hassakeh
حلب | y | Aleppo Halab
حمص | y | Homs Hims
حماة | y | Hama Hamah
إدلب | y | Idlib Idleb
دمشق | y | Damascus Dimashq
البوكمال | y | Albu_Kamal Abu_Kamal Al-Bukamal
الميادين | y | Mayadin Al-Mayadeen
منبج | y | Manbij Menbij
القامشلي | y | Qamishli Kamishli
الطبقة | y | Tabqa Al-Tabqah
"""

# Registration sites: ARABIC | COUNTRY | Latin.
SITES = """
مخيم الجدعة | IQ | Jeddah 5 camp
مخيم حمام العليل | IQ | Hammam al-Alil camp
مخيم الخازر | IQ | Khazer camp
مخيم ديبكة | IQ | Debaga camp
مخيم عامرية الفلوجة | IQ | Amiriyat al-Fallujah camp
سيطرة الصقور | IQ | Saqour checkpoint
سيطرة بيجي | IQ | Checkpoint 12 (Baiji)
مكتب تسجيل كركوك | IQ | Kirkuk registration office
مخيم الهول | SY | Al-Hol camp
مخيم روج | SY | Roj camp
مخيم عين عيسى | SY | Ain Issa camp
"""

# Look-alike names that are different names (arabic-names.md 3.5): pairs of Arabic forms.
HARD_NEGATIVES = [
    ("حسن", "حسين"), ("قاسم", "جاسم"), ("جاسم", "عاصم"), ("قاسم", "عاصم"), ("هاشم", "قاسم"),
    ("صالح", "صلاح"), ("سعيد", "سعد"), ("سعد", "سعدون"), ("رعد", "رائد"), ("عمر", "عمار"),
    ("عامر", "عمار"), ("عامر", "أمير"), ("جمال", "جميل"), ("هشام", "هاشم"), ("بشار", "بشير"),
    ("كريم", "أكرم"), ("عادل", "عدنان"), ("محمد", "محمود"), ("أحمد", "حمد"), ("حامد", "حميد"),
    ("أحمد", "حامد"), ("عبد الرحمن", "عبد الرحيم"), ("سالم", "سليم"), ("حسن", "حسان"),
    ("آمنة", "أمينة"), ("جميلة", "جميل"), ("ياسر", "ياسين"), ("زينب", "زهراء"),
]

# Conventional kunyas (arabic-names.md 1.7): given name -> the son's name in "Abu X".
KUNYA = {
    "علي": ["حسن", "حسين"], "حسين": ["علي"], "إبراهيم": ["خليل"], "يوسف": ["يعقوب"],
    "يعقوب": ["يوسف"], "عمر": ["حفص"], "خالد": ["وليد"], "محمد": ["جاسم", "أحمد"],
    "عباس": ["فاضل"], "حسن": ["علي"],
}


def parse(text, ncols):
    rows = []
    for line in text.strip().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != ncols:
            raise ValueError(f"bad table line: {line!r}")
        rows.append(cells)
    return rows
