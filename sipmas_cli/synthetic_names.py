"""Name and street lists for synthetic Kutim data (``synthetic.py``).

Kutim's population is mostly Bugis, Javanese, Banjar and Kutai, with Dayak (Kenyah, Bahau,
Wehea, Modang) and Toraja minorities. Most Indonesians have no family name: the second word of a
name is a second given name; Toraja and Dayak families do pass a name on, so children of those
groups take their father's second name.

All names are ASCII (apostrophes included), so every export encoding, cp1252 too, writes them.
Lists are comma-separated strings to keep this file short.
"""

from __future__ import annotations

from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


@dataclass(frozen=True)
class Group:
    """The names one population group gives; ``share`` is its rough weight among households."""

    name: str
    share: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    second_male: tuple[str, ...]
    second_female: tuple[str, ...]
    prefix_male: tuple[str, ...] = ()  # titles written as part of the name (Andi, Awang, Aji)
    prefix_female: tuple[str, ...] = ()
    family_names: bool = False  # children take the father's second name


_ISLAMIC_MALE = _names(
    "Muhammad, Ahmad, Abdul Rahman, Abdullah, Ismail, Ibrahim, Yusuf, Ma'ruf, Hasan, Husain, "
    "Rahmat, Hidayat, Syaiful, Zainal, Ilham, Rizky, Fajar"
)
_ISLAMIC_FEMALE = _names(
    "Siti, Nur, Fatimah, Aisyah, Khadijah, Nurul, Halimah, Aminah, Rahmah, Maryam, Zainab, "
    "Nurhasanah, Mu'minah, Fitri, Putri, Dewi, Ayu"
)

BUGIS = Group(
    "bugis",
    0.30,
    male=_ISLAMIC_MALE
    + _names(
        "Syamsuddin, Baharuddin, Jamaluddin, Hasanuddin, Nurdin, Rusli, Hamzah, Amiruddin, "
        "Sudirman, Arifin, Saharuddin, Ramli, Syarifuddin, Irwan, Basri, Mustari, Kamaruddin, "
        "Firman, Ambo, Sakka, Mappe, Lukman"
    ),
    female=_ISLAMIC_FEMALE
    + _names(
        "Hasnah, Nurhayati, Rosmiati, Sitti, Hadijah, Nurhaedah, Kasmawati, Rahmawati, Hasmiah, "
        "Jumriah, Sumarni, Hasriani, Nurmala, Sahariah, Murni, Hasna, Darmawati, Marlina"
    ),
    second_male=_names(
        "Tahir, Sakka, Mappa, Baso, Sulaiman, Rasyid, Latif, Saleh, Amir, Hamid, Ladi, Palallo, "
        "Paewa, Mallo, Daeng Sila, Bachtiar, Yunus"
    ),
    second_female=_names("Sitti, Saleh, Hamid, Tahir, Rasyid, Wati, Sari, Ningsih"),
    prefix_male=("Andi",),
    prefix_female=("Andi",),
)

JAWA = Group(
    "jawa",
    0.25,
    male=_names(
        "Sugeng, Slamet, Sutrisno, Budi, Joko, Agus, Eko, Bambang, Sukardi, Supriyadi, Wahyudi, "
        "Suparman, Purwanto, Hadi, Teguh, Wagiman, Tukiman, Suyanto, Heru, Dwi, Sugiyanto, "
        "Kusnadi, Mulyono, Sarjono, Tri, Muhammad, Ahmad"
    ),
    female=_names(
        "Sri, Siti, Suparmi, Sumiati, Sulastri, Wartini, Endang, Dwi, Tri, Rini, Sutinah, "
        "Ngatini, Suwarni, Lestari, Wulandari, Puji, Yuliani, Rahayu, Sumarsih, Painem, Tumini, Nur"
    ),
    second_male=_names(
        "Santoso, Susanto, Wibowo, Prasetyo, Setiawan, Hartono, Purnomo, Saputra, Widodo, "
        "Utomo, Nugroho, Wijaya, Kurniawan, Riyadi, Suprapto"
    ),
    second_female=_names(
        "Rahayu, Lestari, Wahyuni, Ningsih, Suryani, Handayani, Astuti, Purwanti, Wulandari, "
        "Susanti, Mulyani"
    ),
)

BANJAR = Group(
    "banjar",
    0.15,
    male=_ISLAMIC_MALE
    + _names(
        "Syahrani, Rahmadi, Fahrurrazi, Taufik, Mursid, Jailani, Saberan, Aspiannur, "
        "Rusdiansyah, Normansyah, Hairani, Masransyah, Noor, Juhri"
    ),
    female=_ISLAMIC_FEMALE
    + _names(
        "Mahyuni, Aspiah, Rusmini, Jumiati, Masitah, Rabiatul, Hairiah, Salasiah, Norhayati, "
        "Raudah, Mariatul"
    ),
    second_male=_names(
        "Noor, Arsyad, Hidayat, Rahman, Anshari, Effendi, Fauzan, Saputra, Syahrani, Hasan, "
        "Ramadhan, Maulana, Rizali"
    ),
    second_female=_names("Rahmah, Aulia, Hayati, Noor, Jannah, Fitriani, Sari"),
    prefix_male=("Gusti",),
    prefix_female=("Gusti",),
)

KUTAI = Group(
    "kutai",
    0.15,
    male=_ISLAMIC_MALE
    + _names(
        "Jumadi, Syahrudin, Hamdani, Masdar, Zainuddin, Sulaiman, Kadir, Jamrani, Hamsyah, "
        "Basrun, Rusdi, Asmuni, Dahlan, Mukhlis"
    ),
    female=_ISLAMIC_FEMALE
    + _names(
        "Salasiah, Kamsiah, Saenah, Masnah, Jamilah, Asmah, Rusminah, Hairunnisa, Norbayah, Sapiah"
    ),
    second_male=_names(
        "Kadir, Hamdani, Syahrani, Baharuddin, Ramli, Rahman, Ansyari, Fadillah, Hasbi, Jumadi"
    ),
    second_female=_names("Aminah, Rahmah, Hasanah, Fitriani, Safitri, Sari"),
    prefix_male=("Awang", "Aji"),
    prefix_female=("Dayang", "Aji"),
)

DAYAK = Group(
    "dayak",
    0.08,
    male=_names(
        "Lung, Ding, Ajang, Ibau, Jalung, Pebit, Lejau, Bilung, Yohanes, Markus, Petrus, Paulus, "
        "Stefanus, Yosef, Laing, Ngau, Hibau, Uyang"
    ),
    female=_names(
        "Ping, Uluk, Lenjau, Maria, Yohana, Yuliana, Martha, Agustina, Lusia, Ubung, Ipui, "
        "Ledoh, Asung, Kristina, Veronika"
    ),
    second_male=_names(
        "Ajang, Lawing, Ngau, Bilung, Hibau, Lejau, Laing, Jalung, Batoq, Anyeq, Ibau, Lung, Nyipa"
    ),
    second_female=_names("Lawing, Ngau, Bilung, Lejau, Laing, Uluk, Ping"),
    family_names=True,
)

TORAJA = Group(
    "toraja",
    0.07,
    male=_names(
        "Yohanis, Daniel, Markus, Yusuf, Simon, Petrus, Obed, Yakob, Lukas, Frans, Adrianus, "
        "Benyamin, Yulius, Alfrits, Herman"
    ),
    female=_names(
        "Marthina, Sarce, Yuliana, Ribka, Ester, Debora, Mince, Naomi, Ruth, Rosalina, Agustina, "
        "Yohana, Selvi"
    ),
    second_male=_names(
        "Tandi, Pakiding, Rante, Sampe, Tangdilintin, Palimbong, Tulak, Pasulu, Paembonan, "
        "Sarungallo, Tandilangi, Batara, Bura, Limbong, Pabisa"
    ),
    second_female=_names("Rante, Sampe, Tandi, Limbong, Pakiding, Bura, Tulak"),
    family_names=True,
)

GROUPS: tuple[Group, ...] = (BUGIS, JAWA, BANJAR, KUTAI, DAYAK, TORAJA)

STREETS = _names(
    "Poros, Yos Sudarso, Soekarno-Hatta, Pendidikan, APT Pranoto, Ilham Maulana, Kenyamukan, "
    "Pinang, Mawar, Melati, Anggrek, Cendana, Masjid, Pelabuhan, Diponegoro, Ahmad Yani, "
    "Pattimura, Sudirman, Bukit Pelangi, Swarga Bara, Cipta Karya, Kampung Baru, Pemuda, "
    "Sejahtera, Ulin, Meranti, Kartini, Imam Bonjol, Hasanuddin, Sangatta Baru, Transmigrasi, "
    "Perintis, Damai"
)

DUSUN = _names(
    "Dusun I, Dusun II, Dusun III, Dusun Suka Maju, Dusun Sidomulyo, Dusun Sumber Rejo, "
    "Dusun Harapan, Dusun Muara, Dusun Karya Bakti"
)

# Desa names from elsewhere in Kaltim: a "desa that is not in Kutim" for the desa_unknown damage.
FOREIGN_DESA = _names(
    "Loa Janan Ilir, Tenggarong Seberang, Sebulu Ulu, Muara Kaman Ilir, Tanjung Redeb, "
    "Gunung Tabur, Marangkayu, Bontang Kuala, Kota Bangun Ulu, Muara Badak Ulu, Loa Kulu Kota, "
    "Sambutan, Long Iram Kota"
)

# PMKS-like words that are not among the 26 categories: the pmks_unknown damage.
UNKNOWN_PMKS = _names(
    "Lansia Produktif, Yatim Piatu, Miskin Ekstrem, Korban Covid-19, Janda Miskin, "
    "Rumah Tidak Layak Huni, Putus Sekolah"
)
