"""Bulk records of the Odoo stand-in: the rest of the distributor's customers, suppliers,
catalogue, sales, purchases, transfers and invoices, generated from the tables below.

`add(tables, today)` adds them to the hand-written records of odoo_data (parsed, not yet
completed). No randomness: every value follows from the tables, and from `today` only where the
hand-written data does the same (purchases still to be received arrive `+N` days from today, as
P00019 and P00020 do, so P00017 stays the one late purchase order). Every bulk id is 100 or
more, so hand-written records (ids below 100) never collide with them.

What the hand-written scenarios and the tests built on them rely on, and the tables keep:
- no bulk sale order for the hand-written customers (10, 13, 15, 17), no bulk partner on
  gmail.com (Rosa Fernandes stays the only one), no bulk order line of TOM-2.5, no OLV-5L line
  above 15 units, no commitment date on 2025-03-14 and no customer reference used twice;
- document numbers continue the hand-written ones: S00049.., P00022.., WH/OUT/00008..,
  WH/IN/00005..; invoices, refunds and bills are numbered in date order around the hand-written
  INV/2025/00009, INV/2025/00012, RINV/2025/00003 and BILL/2025/00007.

Tracking references carry valid check digits: UPS 1Z numbers (mod 10), DHL Express waybills
(mod 7) and PostNL UPU S10 numbers (mod 11). VAT numbers pass their country's check as well.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import zlib
from collections import Counter, defaultdict
from typing import Any

Rows = dict[str, dict[int, dict[str, Any]]]

FIRST_ID = 100
TAX = 0.21
TODAY = dt.date(2025, 3, 5)  # the scenario's today: payments due before it are paid
SOPHIE, PIET, LUCAS = 6, 7, 11  # salespeople (BE/ES/PT and NL/DE/FR/LU) and the buyer
HAND_VENDORS = {"iberica": 20, "nordic": 22}
HAND_SUPPLY = {
    "OLV-5L": "iberica",
    "NAP-500": "nordic",
    "COF-1KG": "moretti",
    "TOM-2.5": "iberica",
    "OLV-1L": "iberica",
}
COUNTRIES = {"BE": 1, "ES": 2, "NL": 3, "SE": 4, "FR": 5, "DE": 6, "IT": 7, "LU": 8, "PT": 9}
PHONE = {"BE": "+32", "NL": "+31", "ES": "+34", "FR": "+33", "DE": "+49", "LU": "+352"}
PHONE |= {"IT": "+39", "PT": "+351"}
CARRIERS = {"ups": 1, "dhl": 2, "postnl": 3, "van": 4}
SHIPPED_BY = {"BE": "van", "NL": "postnl", "DE": "ups", "FR": "ups", "LU": "ups", "ES": "dhl"}
SHIPPED_BY["PT"] = "dhl"
UPS_ACCOUNT = "4W7E29"  # Northwind's UPS shipper number (service 68: UPS Standard)
FIRST_NUMBER = {"INV/2024": 187, "BILL/2024": 94}  # later in the year: earlier invoices exist

# Partners. A `customer`, `supplier` or `former` (archived customer) company line:
#   role key "name" email country "zip" "city" "street"
# then its contacts, indented: key "name" email|- "function"|- [type=invoice|delivery|other]
# ("local@" is an address at the company's domain). A `person` line is a private customer on
# a free-mail address: person key "name" email country "zip" "city" "street".
_PARTNERS = """
customer leeuw "Brasserie De Gouden Leeuw BV" info@goudenleeuw.example BE 9000 Ghent
    "Korenmarkt 7"
  pieter "Pieter De Smet" pieter@ Owner
  lies "Lies Verstraete" keuken@ "Head Chef"
customer fourchette "Restaurant La Fourchette SRL" contact@lafourchette-bxl.example BE 1000
    Brussels "Rue des Bouchers 22"
  camille "Camille Lefevre" camille@ Manager
  julien "Julien Lambert" julien.lambert@ "Chef de cuisine"
customer astoria_a "Hotel Astoria Antwerpen NV" antwerpen@astoria-hotels.example BE 2018
    Antwerp "Koningin Astridplein 14"
  bart "Bart Wouters" bart.wouters@ "F&B Manager"
  sarah "Sarah Janssen" accounts.antwerpen@ Accountant type=invoice
customer astoria_b "Hotel Astoria Brugge NV" brugge@astoria-hotels.example BE 8000 Bruges
    "Minderbroedersstraat 3"
  evelien "Evelien Maes" evelien.maes@ Purchasing
customer alma "Alma Campus Catering VZW" aankoop@alma-catering.example BE 3000 Leuven
    "Naamsestraat 96"
  koen "Koen Claes" koen.claes@ "Purchasing Officer"
  ann "Ann Wuyts" facturen@ "Accounts Payable" type=invoice
  gasthuisberg "Kitchen Gasthuisberg" gasthuisberg@ - type=delivery street="Herestraat 49"
customer damarco "Pizzeria Da Marco BV" info@damarco.example BE 2800 Mechelen "IJzerenleen 41"
  marco "Marco Esposito" marco.esposito77@hotmail.com Owner
customer vdb "Bakkerij Vandenbroucke BV" bestellingen@bakkerij-vdb.example BE 8500 Kortrijk
    "Doorniksestraat 58"
  hilde "Hilde Vandenbroucke" hilde@ Manager
customer delvaux "Traiteur Delvaux SRL" commandes@traiteur-delvaux.example BE 4000 Liege
    "Rue Saint-Gilles 112"
  sebastien "Sebastien Delvaux" sebastien@ Caterer
  nathalie "Nathalie Renard" compta@ Bookkeeping type=invoice
customer meersen "Sportcomplex De Meersen VZW" cafetaria@demeersen.example BE 9300 Aalst
    "Gentsesteenweg 180"
  wim "Wim Goossens" wim.goossens@ "Cafeteria Manager"
customer zonnebloem "Kinderopvang Zonnebloem VZW" keuken@zonnebloem-kinderopvang.example BE
    3500 Hasselt "Kempische Steenweg 303"
  els "Els Willems" els.willems@ "Kitchen Coordinator"
customer kroon "Café De Kroon B.V." info@cafedekroon.example NL "3511 AE" Utrecht
    "Oudegracht 121"
  sanne "Sanne de Vries" sanne@ "General Manager"
  jeroen "Jeroen Bakker" jeroen@ "Head Chef"
customer hoekje "Eetcafé 't Hoekje" info@hoekje-haarlem.example NL "2011 XL" Haarlem
    "Botermarkt 9"
  mark "Mark Visser" mark@ Owner
customer zuiderstrand "Strandpaviljoen Zuiderstrand B.V." info@zuiderstrand.example NL
    "2586 JK" "The Hague" "Strandweg 1"
  lotte "Lotte Mulder" lotte@ "General Manager"
  daan "Daan Smit" daan@ Purchasing
customer vermeer "Vermeer Catering Groep B.V." inkoop@vermeer-catering.example NL "1032 KJ"
    Amsterdam "Papaverweg 34"
  femke "Femke Jansen" femke.jansen@ Buyer
  ruben "Ruben de Graaf" ruben.degraaf@ "Executive Chef"
  crediteuren "Accounts Payable" crediteuren@ - type=invoice
  noord "Central Kitchen Noord" keuken.noord@ - type=delivery street="Papaverweg 36"
customer vermeer_ev "Vermeer Events B.V." events@vermeer-catering.example NL "1032 KJ"
    Amsterdam "Papaverweg 34"
  noor "Noor Hendriks" noor.hendriks@ "Event Manager"
customer olivo "Bodega El Olivo S.L." pedidos@bodegaelolivo.example ES 41003 Seville
    "Calle Feria 41"
  javier "Javier Moreno" javier@ Owner
customer marazul "Grupo Mar Azul Restauración S.A." compras@marazul-grupo.example ES 08003
    Barcelona "Passeig de Joan de Borbó 54"
  nuria "Núria Vidal" nuria.vidal@ "Purchasing Manager"
  pau "Pau Serra" pau.serra@ "Head Chef"
  badalona "Cocina Central Badalona" cocina.central@ - type=delivery street="Carrer de Guifré 9"
customer bistrot "Bistrot du Port SARL" contact@bistrotduport.example FR 59000 Lille
    "Quai du Wault 12"
  antoine "Antoine Leroy" antoine@ Manager
customer tilleuls "Hôtel Les Tilleuls SAS" achats@lestilleuls-hotel.example FR 51100 Reims
    "Rue de Vesle 75"
  claire "Claire Fontaine" claire.fontaine@ "Purchasing Manager"
  marc "Marc Girard" marc.girard@ "Chef de cuisine"
customer linde "Gasthaus Zur Linde GmbH" info@zurlinde-gasthaus.example DE 52062 Aachen
    "Pontstraße 48"
  stefan "Stefan Becker" stefan@ Owner
  monika "Monika Becker" monika.becker@gmx.de Kitchen
customer rheinblick "Kantine Rheinblick GmbH" einkauf@rheinblick-kantine.example DE 50678
    Cologne "Agrippinawerft 6"
  thomas "Thomas Wagner" thomas.wagner@ Purchasing
  julia "Julia Schulz" buchhaltung@ Accounting type=invoice
customer ducale "Brasserie Grand-Ducale Sàrl" info@grandducale.example LU 1136 Luxembourg
    "Place d'Armes 8"
  luc "Luc Weber" luc.weber@ Manager
former pleintje "Frituur 't Pleintje BV" frituur@pleintje.example BE 2000 Antwerp
    "Sint-Jansplein 3"
person jan "Jan Vermeulen" jan.vermeulen.foodtruck@outlook.com BE 9000 Ghent "Dok Noord 4"
person sabine "Sabine Krüger" sabine.krueger@gmx.de DE 52064 Aachen "Jakobstraße 22"
person luca "Luca Bianchi" luca.bianchi.chef@outlook.com BE 1050 Brussels "Rue du Page 18"
person anouk "Anouk Lemmens" anouk.lemmens@hotmail.com BE 2018 Antwerp "Lange Kievitstraat 70"
person dieter "Dieter Schäfer" d.schaefer1971@web.de DE 52349 Duren "Kölnstraße 12"
person marta "Marta Sousa" marta.sousa.eventos@yahoo.com PT 1200-195 Lisbon "Rua do Alecrim 35"
supplier moretti "Caffè Moretti S.p.A." ordini@caffemoretti.example IT 34147 Trieste
    "Via Flavia 120"
  giulia "Giulia Moretti" giulia.moretti@ "Export Sales Manager"
supplier vesuviane "Conserve Vesuviane S.r.l." export@conservevesuviane.example IT 80143 Naples
    "Via Nuova Poggioreale 61"
  antonio "Antonio Russo" antonio.russo@ "Export Manager"
  spedizioni "Shipping Office" spedizioni@ Shipping type=other
supplier lucano "Pastificio Lucano S.r.l." vendite@pastificiolucano.example IT 75100 Matera
    "Via delle Arti 7"
  francesca "Francesca Greco" f.greco@ "Sales Back Office"
supplier vdmeer "Kaasboerderij Van der Meer B.V." verkoop@kaas-vandermeer.example NL "2805 PL"
    Gouda "Goejanverwellesluis 12"
  hans "Hans van der Meer" hans@ Owner
supplier cleanpro "CleanPro Hygiene GmbH" vertrieb@cleanpro-hygiene.example DE 40210 Dusseldorf
    "Graf-Adolf-Straße 88"
  katrin "Katrin Hoffmann" k.hoffmann@ "Key Account Manager"
  versand "Dispatch" versand@ Shipping type=other
supplier dewulf "Verpakkingen Dewulf NV" orders@dewulf-pack.example BE 8800 Roeselare
    "Kachtemsestraat 201"
  bram "Bram Dewulf" bram@ Sales
supplier estense "Acetaia Estense S.r.l." info@acetaia-estense.example IT 41121 Modena
    "Via Emilia Est 310"
  paolo "Paolo Bellini" paolo.bellini@ "Export Sales"
supplier hageland "Suikerfabriek Hageland NV" sales@hageland-suiker.example BE 3300 Tienen
    "Aandorenstraat 1"
  sofie "Sofie Lenaerts" sofie.lenaerts@ "Customer Service"
supplier jacobs "Specerijen Jacobs B.V." orders@jacobs-specerijen.example NL "3011 TA"
    Rotterdam "Maasboulevard 100"
  ilse "Ilse Jacobs" ilse@ "Inside Sales"
supplier kastanje "Hoeve De Kastanje" hoevedekastanje@hotmail.com BE 9880 Aalter
    "Kastanjedreef 2"
  geert "Geert Lievens" - Farmer
"""

# Products: code list-price cost vendor (a key of _PARTNERS, iberica or nordic; - for none)
# "name" [service] [archived].
_PRODUCTS = """
OLV-1L        9.90  6.80 iberica   "Extra Virgin Olive Oil 1 L"
OLV-PMC-5L   24.50 17.20 iberica   "Pomace Olive Oil 5 L"
SUN-10L      21.90 15.40 iberica   "Sunflower Frying Oil 10 L"
OLI-KAL-2K   16.80 11.00 iberica   "Kalamata Olives 2 kg"
BAL-500       6.90  4.10 estense   "Balsamic Vinegar of Modena IGP 500 ml"
BAL-GLZ-500   7.50  4.60 estense   "Balsamic Glaze 500 ml"
VIN-WW-1L     2.90  1.60 estense   "White Wine Vinegar 1 L"
COF-DEC-1KG  21.00 13.90 moretti   "Decaf Espresso Beans 1 kg"
COF-GRD-250   5.20  3.10 moretti   "Ground Coffee Moka 250 g"
COF-PAD-100  14.50  9.20 moretti   "Coffee Pads (100 pcs)"
TEA-ENG-100   6.90  3.80 moretti   "English Breakfast Tea (100 bags)"
TEA-MNT-100   7.40  4.10 moretti   "Moroccan Mint Tea (100 bags)"
PSS-700       1.90  1.10 vesuviane "Tomato Passata 700 g"
CTM-2.5       6.10  3.60 vesuviane "Chopped Tomatoes 2.5 kg"
DAT-400       2.40  1.40 vesuviane "Datterini Tomatoes 400 g"
BNS-2.5       5.80  3.30 vesuviane "Cannellini Beans 2.5 kg"
CHK-2.5       5.60  3.20 vesuviane "Chickpeas 2.5 kg"
PAS-SPA-5K   11.90  7.40 lucano    "Spaghetti No. 5 (5 kg)"
PAS-PEN-5K   11.90  7.40 lucano    "Penne Rigate (5 kg)"
PAS-LAS-2K    8.60  5.10 lucano    "Lasagne Sheets 2 kg"
FLR-00-25K   24.00 15.50 lucano    "Pizza Flour Type 00 25 kg"
FLR-SEM-5K    7.80  4.60 lucano    "Durum Wheat Semolina 5 kg"
CHS-GOU-4K   38.00 27.50 vdmeer    "Young Gouda Wheel 4.5 kg"
CHS-OLD-1K   16.90 11.80 vdmeer    "Aged Gouda 1 kg"
CHS-GRT-1K    9.80  6.40 vdmeer    "Grated Gouda 1 kg"
EGG-180      39.00 29.00 kastanje  "Free-Range Eggs (180 pcs)"
BTR-1K       11.50  8.20 kastanje  "Farm Butter 1 kg"
SLT-FLR-1K   12.40  7.90 jacobs    "Fleur de Sel 1 kg"
PEP-BLK-500   9.60  5.80 jacobs    "Black Peppercorns 500 g"
PAP-SMK-500   8.80  5.20 jacobs    "Smoked Paprika 500 g"
HRB-PRV-250   5.90  3.40 jacobs    "Herbes de Provence 250 g"
SUG-STK-1000 13.50  8.40 hageland  "Sugar Sticks 4 g (1000 pcs)"
SUG-CST-10K  14.90 10.10 hageland  "Caster Sugar 10 kg"
NAP-DIN-250   9.80  5.60 nordic    "Dinner Napkins 40x40 3-ply (250 pcs)"
TBL-RL-25    18.50 11.20 nordic    "Paper Table Roll 1.18 x 25 m"
CUP-8OZ-1000 54.00 36.00 dewulf    "Paper Coffee Cups 8 oz (1000 pcs)"
LID-8OZ-1000 29.00 18.50 dewulf    "Lids for 8 oz Cups (1000 pcs)"
BOX-KRF-300  46.00 30.50 dewulf    "Kraft Takeaway Boxes 1 L (300 pcs)"
FOL-ALU-300  24.90 16.80 dewulf    "Aluminium Foil 30 cm x 300 m"
CLG-FLM-300  12.90  8.00 dewulf    "Cling Film 30 cm x 300 m"
DET-DW-10L   32.00 21.50 cleanpro  "Dishwasher Detergent 10 L"
RIN-DW-5L    19.50 12.90 cleanpro  "Rinse Aid 5 L"
GLV-NIT-L     8.90  5.40 cleanpro  "Nitrile Gloves Size L (100 pcs)"
SOP-HND-5L   14.20  8.90 cleanpro  "Hand Soap Refill 5 L"
DEL-FEE      15.00  0.00 -         "Delivery Surcharge (orders under EUR 250)" service
SRV-MACH     95.00 60.00 -         "Espresso Machine Service Visit" service
NAP-24-500    8.50  4.90 nordic    "Cocktail Napkins 24x24 (500 pcs)" archived
"""

# Sale orders, in date order: name customer[/contact] state ordered commitment ref|- lines
# and options. state: draft, sent, sale, locked (sale and locked) or cancel (`confirmed`: it
# was confirmed first, so it has a cancelled delivery). out=<date>: delivered that day;
# inv=<date>: invoiced that day (pay=paid|not_paid|partial|in_payment, else paid when due
# before TODAY); draft_inv: a draft invoice; refund=<date>:<code>:<qty>: a credit note;
# via=<carrier>: else by country; track: an open delivery whose label is printed.
_SALES = """
S00049 leeuw/pieter locked 2024-11-18T09:10 2024-11-22 GL-24-311
    PAS-SPA-5K:4,PSS-700:24,OLV-1L:12 out=2024-11-21 inv=2024-11-21
S00050 kroon/sanne locked 2024-11-20T14:32 2024-11-27 KR-2024-118
    COF-1KG:10,SUG-STK-1000:2,TEA-ENG-100:4 out=2024-11-26 inv=2024-11-26
S00051 vermeer/femke locked 2024-11-25T08:45 2024-12-02 4100087712
    FLR-00-25K:6,CHS-GOU-4K:3,BTR-1K:10,EGG-180:2 out=2024-11-29 inv=2024-11-29
S00052 astoria_a/bart locked 2024-12-02T10:05 2024-12-06 AST-ANT-24-0912
    CUP-8OZ-1000:4,LID-8OZ-1000:4,NAP-DIN-250:12,COF-1KG:15 out=2024-12-05 inv=2024-12-05
S00053 linde sale 2024-12-04T11:20 2024-12-12 LINDE-1204
    PAS-PEN-5K:3,CTM-2.5:12,CHS-GRT-1K:6 out=2024-12-11 inv=2024-12-11
S00054 sabine sale 2024-12-09T19:40 2024-12-16 -
    OLV-1L:6,BAL-500:6,BAL-GLZ-500:4,DEL-FEE:1 out=2024-12-13 inv=2024-12-13
S00055 alma/koen locked 2024-12-10T09:00 2024-12-17 ALMA/BST/2024/0451
    DET-DW-10L:4,RIN-DW-5L:2,GLV-NIT-L:20,SOP-HND-5L:6 out=2024-12-16 inv=2024-12-16
S00056 fourchette cancel 2024-12-11T15:00 2024-12-18 LF-1211 OLV-5L:4,PAS-LAS-2K:6
S00057 ducale/luc locked 2024-12-12T10:30 2024-12-19 BGD-7741
    CHS-OLD-1K:8,OLV-1L:12,SLT-FLR-1K:2 out=2024-12-18 inv=2024-12-18
S00058 marazul/nuria sale 2024-12-16T12:10 2025-01-08 MA-COMP-24/1187
    OLV-5L:12,OLI-KAL-2K:6,SUN-10L:10 out=2025-01-07 inv=2025-01-07
S00059 zuiderstrand locked 2024-12-18T08:30 2025-01-09 ZS-0089
    BOX-KRF-300:3,CUP-8OZ-1000:2,FOL-ALU-300:2 out=2025-01-08 inv=2025-01-08
S00060 luca sale 2024-12-20T21:15 2024-12-23 -
    CHS-OLD-1K:2,BAL-500:3,PAS-LAS-2K:2,DEL-FEE:1 out=2024-12-23 inv=2024-12-23
S00061 jan sale 2025-01-06T17:55 2025-01-10 -
    SUN-10L:3,BOX-KRF-300:2,DEL-FEE:1 out=2025-01-09 inv=2025-01-09
S00062 meersen/wim locked 2025-01-07T09:30 2025-01-14 MEERSEN-2025-003
    SUG-STK-1000:3,CUP-8OZ-1000:3,LID-8OZ-1000:3,TEA-MNT-100:6 out=2025-01-13 inv=2025-01-13
    refund=2025-01-20:CUP-8OZ-1000:1
S00063 delvaux/sebastien sale 2025-01-09T10:45 2025-01-17 TD-25-0007
    CHS-GOU-4K:2,BAL-500:12,PEP-BLK-500:3,HRB-PRV-250:4 out=2025-01-16 inv=2025-01-16
    pay=not_paid
S00064 hoekje cancel 2025-01-14T11:00 2025-01-20 - COF-PAD-100:6
S00065 rheinblick/thomas sale 2025-01-15T08:10 2025-01-24 4700021133
    PAS-SPA-5K:8,PAS-PEN-5K:8,CTM-2.5:24,CHK-2.5:6,BNS-2.5:6 out=2025-01-23 inv=2025-01-23
    pay=partial refund=2025-01-29:CTM-2.5:3
S00066 zonnebloem/els locked 2025-01-20T09:15 2025-01-27 ZB/2025/004
    PSS-700:36,PAS-PEN-5K:2,BTR-1K:4 out=2025-01-27 inv=2025-01-27
S00067 tilleuls/claire sale 2025-01-22T14:20 2025-01-31 TIL-PO-2025-014
    COF-1KG:12,COF-DEC-1KG:4,TEA-ENG-100:6,SUG-STK-1000:2 out=2025-01-30 inv=2025-01-30
    pay=in_payment
S00068 olivo/javier sale 2025-01-24T12:00 2025-02-04 BEO-2025-02
    OLV-5L:10,BAL-500:6,OLI-KAL-2K:4 out=2025-02-03 inv=2025-02-10
S00069 kroon/jeroen cancel 2025-01-27T10:00 2025-02-05 KR-2025-017 COF-1KG:6,COF-DEC-1KG:6
S00070 bistrot/antoine locked 2025-01-28T09:40 2025-02-06 BDP-0128
    OLV-1L:12,VIN-WW-1L:6,SLT-FLR-1K:2,PEP-BLK-500:2 out=2025-02-05 inv=2025-02-07 pay=paid
S00071 damarco/marco sale 2025-02-03T16:30 2025-02-10 -
    FLR-00-25K:4,CTM-2.5:6,DAT-400:24,OLV-5L:6 out=2025-02-10 inv=2025-03-01
S00072 linde/monika sale 2025-02-05T08:50 2025-02-14 LINDE-0205
    PAS-SPA-5K:3,SUN-10L:4,CHS-GRT-1K:4 out=2025-02-13 inv=2025-03-01
S00073 astoria_b/evelien locked 2025-02-06T11:10 2025-02-13 AST-BRU-25-0031
    COF-1KG:8,SUG-STK-1000:2,NAP-DIN-250:10,TBL-RL-25:4 out=2025-02-12 inv=2025-03-01
S00074 marta sale 2025-02-07T13:25 2025-02-21 - OLV-5L:8,OLI-KAL-2K:3,DEL-FEE:1 out=2025-02-19
S00075 vermeer/ruben sale 2025-02-10T09:05 2025-02-18 4100091245
    CHS-GOU-4K:4,EGG-180:3,BTR-1K:12,FLR-00-25K:4 out=2025-02-17 inv=2025-03-01
    refund=2025-03-04:EGG-180:1
S00076 vermeer_ev/noor sale 2025-02-12T15:45 2025-02-22 VEV-2025-0044
    CUP-8OZ-1000:6,LID-8OZ-1000:6,BOX-KRF-300:4,NAP-DIN-250:20 out=2025-02-21 inv=2025-03-01
S00077 leeuw/lies draft 2025-02-13T10:00 2025-03-20 GL-25-051 PAS-SPA-5K:4,PSS-700:24,OLV-1L:12
S00078 alma/koen sent 2025-02-14T09:20 2025-03-24 ALMA/BST/2025/0077
    DET-DW-10L:6,RIN-DW-5L:4,GLV-NIT-L:30,SOP-HND-5L:8
S00079 hoekje/mark sale 2025-02-17T11:30 2025-02-24 HK-0217
    COF-PAD-100:8,SUG-STK-1000:1,CUP-8OZ-1000:1 out=2025-02-24 draft_inv
S00080 rheinblick/thomas sale 2025-02-18T08:00 2025-02-27 4700022871
    PAS-SPA-5K:10,PSS-700:48,FLR-SEM-5K:4,CHK-2.5:8 out=2025-02-26 inv=2025-03-03
S00081 fourchette/camille cancel 2025-02-19T14:10 2025-02-28 LF-0219 CHS-GOU-4K:2,BAL-GLZ-500:6
    confirmed
S00082 kroon/sanne sale 2025-02-20T10:30 2025-02-27 KR-2025-031 COF-1KG:10,TEA-ENG-100:4
    out=2025-02-27 inv=2025-03-03
S00083 delvaux/sebastien sale 2025-02-21T09:00 2025-03-07 TD-25-0042
    CHS-GOU-4K:3,BAL-500:6,PEP-BLK-500:2
S00084 tilleuls/marc sale 2025-02-24T10:15 2025-03-10 TIL-PO-2025-033
    COF-1KG:10,COF-DEC-1KG:4,SUG-STK-1000:2 track
S00085 ducale/luc sale 2025-02-25T13:40 2025-03-11 BGD-7802
    CHS-OLD-1K:6,OLV-1L:12,SLT-FLR-1K:2,BAL-GLZ-500:4 track
S00086 zuiderstrand/lotte sale 2025-02-26T08:20 2025-03-21 ZS-0112
    BOX-KRF-300:10,CUP-8OZ-1000:8,LID-8OZ-1000:8,FOL-ALU-300:4
S00087 marazul/pau sale 2025-02-26T11:00 2025-03-19 MA-COMP-25/0219
    OLV-5L:15,SUN-10L:12,OLI-KAL-2K:8
S00088 meersen/wim sent 2025-02-27T09:45 2025-03-17 MEERSEN-2025-019
    CUP-8OZ-1000:4,LID-8OZ-1000:4,SUG-STK-1000:3
S00089 linde/stefan sale 2025-02-27T14:00 2025-03-12 LINDE-0227
    PAS-LAS-2K:6,CTM-2.5:12,CHS-GRT-1K:6,PAP-SMK-500:2
S00090 vdb/hilde sent 2025-02-28T11:45 2025-03-13 VDB-2025-011
    FLR-00-25K:10,BTR-1K:20,SUG-CST-10K:4
S00091 anouk draft 2025-02-28T20:10 2025-03-08 - OLV-1L:2,BAL-500:2,PAS-SPA-5K:1
S00092 olivo/javier draft 2025-03-01T10:00 2025-03-28 BEO-2025-09 OLV-5L:12,VIN-WW-1L:12
S00093 vermeer/femke sale 2025-03-03T08:30 2025-03-12 4100093318 CHS-GOU-4K:5,EGG-180:4,BTR-1K:15
S00094 astoria_a/bart sale 2025-03-03T09:00 2025-03-10 AST-ANT-25-0188
    COF-1KG:15,COF-PAD-100:6,NAP-DIN-250:12,SRV-MACH:1
S00095 bistrot/antoine sent 2025-03-03T15:20 2025-03-18 BDP-0303
    OLV-1L:12,VIN-WW-1L:6,HRB-PRV-250:3
S00096 dieter draft 2025-03-03T19:05 2025-03-15 - COF-1KG:2,COF-GRD-250:6
S00097 zonnebloem/els sale 2025-03-04T09:20 2025-03-11 ZB/2025/019 PSS-700:36,PAS-PEN-5K:2,BTR-1K:4
S00098 kroon/jeroen draft 2025-03-04T11:00 2025-03-19 KR-2025-044
    COF-1KG:12,TEA-MNT-100:4,SUG-STK-1000:2
S00099 vermeer_ev/noor sent 2025-03-04T14:30 2025-04-04 VEV-2025-0061
    CUP-8OZ-1000:10,LID-8OZ-1000:10,BOX-KRF-300:6
S00100 jan sent 2025-03-04T18:40 2025-03-12 - SUN-10L:4,BOX-KRF-300:3
S00101 rheinblick/thomas draft 2025-03-05T07:50 2025-03-26 4700023540
    PAS-SPA-5K:10,PAS-PEN-5K:10,CTM-2.5:24
S00102 luca cancel 2025-03-05T08:15 2025-03-09 - CHS-OLD-1K:1,BAL-500:1
S00103 damarco/marco sent 2025-03-05T09:00 2025-03-13 - FLR-00-25K:4,DAT-400:24,CTM-2.5:6
S00104 sabine draft 2025-03-05T10:10 2025-03-20 - OLV-1L:6,BAL-GLZ-500:6
S00105 leeuw/pieter sale 2025-03-05T10:30 2025-03-07 GL-25-067
    PAS-SPA-5K:4,PSS-700:24,OLV-1L:12,CHS-GRT-1K:2
S00106 ducale/luc cancel 2025-03-05T11:00 2025-03-18 BGD-7815 OLV-1L:6
"""

# Purchase orders, in date order: name vendor state ordered expected-arrival, then options.
# Arrival: a date, or +N (N days after the real today: not received yet, so not late).
# feeds=<sale orders>: one line per product of that vendor on them, whose delivery moves it
# feeds (MTO); origin=/lines=: a replenishment (reordering rule) order. recv=<date>: fully
# received; partial=<date>: half received, a backorder waits; bill=<date>:<vendor invoice no>;
# credit=<date>:<credit note no>:<code>:<qty>; track=<carrier>: the vendor's tracking number.
_PURCHASES = """
P00022 vdmeer done 2024-11-25T10:00 2024-11-28 feeds=S00051 recv=2024-11-28
    bill=2024-12-02:VDM-F24-1187 ref=VDM-OB-24-0412
P00023 kastanje done 2024-11-25T10:05 2024-11-28 feeds=S00051 recv=2024-11-28
    bill=2024-12-03:F2024-212
P00024 cleanpro purchase 2024-12-10T09:20 2024-12-13 feeds=S00055 recv=2024-12-13
    bill=2024-12-16:RE-2024-10331 ref=AB-2024-08812
P00025 moretti done 2024-12-16T11:00 2025-01-06 origin=OP/00031
    lines=COF-1KG:120,COF-DEC-1KG:40,COF-PAD-100:60,TEA-ENG-100:40 recv=2025-01-06
    bill=2025-01-08:FT-2025/0014 ref=CM-OC-24-1893 track=dhl
P00026 vdmeer purchase 2025-01-09T11:00 2025-01-14 feeds=S00063 recv=2025-01-14
    bill=2025-01-15:VDM-F25-0032 ref=VDM-OB-25-0011
P00027 vesuviane purchase 2025-01-15T08:30 2025-01-21 feeds=S00065 recv=2025-01-21
    bill=2025-01-27:FT-2025-00087 credit=2025-02-03:NC-2025-00012:CHK-2.5:2
    ref=CV-ORD-25-0042 track=ups
P00028 lucano purchase 2025-01-15T08:35 2025-01-21 feeds=S00065 recv=2025-01-20
    bill=2025-01-24:LUC/25/0041 ref=LUC-OV-25-0019
P00029 dewulf done 2025-01-20T14:00 2025-01-27 origin=OP/00038
    lines=CUP-8OZ-1000:40,LID-8OZ-1000:40,BOX-KRF-300:20,FOL-ALU-300:10,CLG-FLM-300:10
    recv=2025-01-27 bill=2025-02-03:DW/2025/0112 ref=DW-OC-25-0087
P00030 hageland purchase 2025-01-27T09:10 2025-02-03 origin=OP/00040
    lines=SUG-STK-1000:20,SUG-CST-10K:10 recv=2025-02-03 bill=2025-02-05:HS-25-00315
    ref=HS-VO-25-0131
P00031 vdmeer purchase 2025-02-10T09:30 2025-02-14 feeds=S00075 recv=2025-02-14
    ref=VDM-OB-25-0058
P00032 kastanje purchase 2025-02-10T09:35 2025-02-14 feeds=S00075 recv=2025-02-14
    bill=2025-02-28:F2025-041
P00033 lucano purchase 2025-02-18T08:15 2025-02-24 feeds=S00080 recv=2025-02-24
    bill=2025-03-03:LUC/25/0118 ref=LUC-OV-25-0064
P00034 vdmeer cancel 2025-02-19T14:30 2025-02-26 feeds=S00081 ref=VDM-OB-25-0066
P00035 jacobs purchase 2025-02-20T10:40 2025-02-25 origin=OP/00044
    lines=SLT-FLR-1K:10,PEP-BLK-500:10,PAP-SMK-500:8,HRB-PRV-250:12 recv=2025-02-25
    ref=SJ-25-1147
P00036 estense purchase 2025-02-21T09:00 +7 origin=OP/00045
    lines=BAL-500:60,BAL-GLZ-500:30,VIN-WW-1L:24 ref=OV-2025-0219 track=ups
P00037 dewulf purchase 2025-02-26T08:45 +6 feeds=S00086 ref=DW-OC-25-0233
P00038 iberica purchase 2025-02-26T11:20 +10 feeds=S00087 partial=2025-03-04 ref=IB-SO-88214
    track=dhl
P00039 vesuviane purchase 2025-02-27T14:20 +5 feeds=S00089 ref=CV-ORD-25-0391
P00040 vdmeer purchase 2025-03-03T08:45 +3 feeds=S00083,S00093 ref=VDM-OB-25-0077
P00041 kastanje draft 2025-03-03T08:50 +2 feeds=S00093 urgent
P00042 moretti sent 2025-03-04T10:00 +14 origin=OP/00049
    lines=COF-1KG:100,COF-DEC-1KG:30,COF-GRD-250:48,TEA-MNT-100:40
P00043 cleanpro to_approve 2025-03-04T11:30 +10 origin=OP/00050
    lines=DET-DW-10L:40,RIN-DW-5L:24,GLV-NIT-L:200,SOP-HND-5L:30
P00044 nordic purchase 2025-03-05T09:15 +12 origin=OP/00051
    lines=NAP-500:60,NAP-DIN-250:80,TBL-RL-25:20 ref=NPG-4519
P00045 hageland cancel 2025-03-05T09:20 +9 origin=OP/00052 lines=SUG-STK-1000:20
"""

_REFUND_REASONS = {
    "CUP-8OZ-1000": "1 carton crushed in transit",
    "CTM-2.5": "3 dented tins",
    "EGG-180": "1 tray of broken eggs",
}


# -- check digits ---------------------------------------------------------------------------------


def ups_tracking(shipper: str, service: str, package: int) -> str:
    """A UPS 1Z number: shipper (6), service (2), package (7) and the mod-10 check digit."""
    body = f"{shipper}{service}{package:07d}"
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return f"1Z{body}{(10 - total % 10) % 10}"


def dhl_waybill(serial: int) -> str:
    """A 10-digit DHL Express waybill: 9 digits and their remainder modulo 7."""
    return f"{serial:09d}{serial % 7}"


def upu_s10(service: str, serial: int, country: str) -> str:
    """A UPU S10 item number (as PostNL prints): 2 letters, 8 digits, mod-11 check, country."""
    digits = f"{serial:08d}"
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"{service}{digits}{check}{country}"


def _luhn(payload: str) -> int:
    """The Luhn check digit to append to `payload`."""
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c) * (1 if i % 2 else 2)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def vat_number(country: str, seed: str) -> str:
    """A VAT number that passes `country`'s check, derived from `seed` (deterministic)."""
    n = zlib.crc32(seed.encode())
    if country == "BE":
        base = 4_000_000 + n % 5_999_999
        return f"BE0{base:07d}{97 - base % 97:02d}"
    if country == "NL":
        for base in range(10_000_000 + n % 89_999_999, 100_000_000):
            check = sum(int(d) * (9 - i) for i, d in enumerate(f"{base:08d}")) % 11
            if check < 10:
                return f"NL{base:08d}{check}B01"
    if country == "DE":
        base, product = f"{10_000_000 + n % 89_999_999}", 10
        for d in base:
            total = (int(d) + product) % 10 or 10
            product = 2 * total % 11
        return f"DE{base}{(11 - product) % 10}"
    if country == "FR":
        siren = f"{10_000_000 + n % 89_999_999}"
        siren += str(_luhn(siren))
        return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    if country == "LU":
        base = 100_000 + n % 899_999
        return f"LU{base}{base % 89:02d}"
    if country == "ES":
        digits = f"{1_000_000 + n % 8_999_999}"
        odd = sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2])
        return f"ESB{digits}{(10 - (odd + sum(int(d) for d in digits[1::2])) % 10) % 10}"
    if country == "IT":
        base = f"{1_000_000 + n % 8_999_999}{1 + n % 99:03d}"
        odd = sum(int(d) for d in base[0::2])
        even = sum(sum(divmod(2 * int(d), 10)) for d in base[1::2])
        return f"IT{base}{(10 - (odd + even) % 10) % 10}"
    raise ValueError(f"no VAT rule for {country}")


# -- the generator --------------------------------------------------------------------------------


def add(tables: Rows, today: dt.date) -> None:
    """Add the bulk records to the hand-written `tables` (in place)."""
    _Bulk(tables, today).build()


def _entries(text: str) -> list[tuple[bool, list[str]]]:
    """(indented, words) per entry; lines indented by 4+ spaces continue the entry above."""
    out: list[tuple[bool, list[str]]] = []
    for line in text.strip("\n").splitlines():
        words = shlex.split(line)
        if line.startswith("    ") and out:
            out[-1][1].extend(words)
        elif words:
            out.append((line.startswith("  "), words))
    return out


def _options(words: list[str]) -> dict[str, str]:
    return dict(w.split("=", 1) if "=" in w else (w, "") for w in words)


def _stamp(day: str | dt.date, time: str) -> str:
    return f"{day} {time}:00"


def _money(value: float) -> float:
    return round(value + 1e-9, 2)


class _Bulk:
    """Builds the bulk rows in order: partners, products, sales, purchases, then invoices."""

    def __init__(self, tables: Rows, today: dt.date) -> None:
        self.tables, self.today = tables, today
        self.next_id: dict[str, int] = {}
        self.partners: dict[str, int] = dict(HAND_VENDORS)
        self.company: dict[int, int] = {}  # partner -> commercial partner
        self.addresses: dict[tuple[int, str], int] = {}  # (company, invoice|delivery) -> id
        self.vendor_of: dict[int, int] = {}  # product -> vendor partner
        self.products = {row["default_code"]: i for i, row in tables["product.product"].items()}
        self.orders: dict[str, int] = {}
        self.delivery_moves: dict[int, int] = {}  # sale line -> its delivery move
        self.feeding: dict[int, str] = {}  # delivery move -> receipt status of its purchase
        self.reasons: dict[int, str] = {}  # credit note -> why
        self.sequence = {prefix: self._last(prefix) + 1 for prefix in ("WH/OUT/", "WH/IN/")}

    def build(self) -> None:
        self._partners()
        self._products()
        self._sales()
        self._purchases()
        self._delivery_states()
        self._number_moves()
        self._ranks()

    # -- helpers ----------------------------------------------------------------------------------

    def add(self, model: str, row: dict[str, Any]) -> int:
        rid = self.next_id.get(model, FIRST_ID)
        if rid in self.tables[model]:
            raise ValueError(f"bulk id {model},{rid} is taken by a hand-written record")
        self.next_id[model] = rid + 1
        self.tables[model][rid] = row
        return rid

    def _last(self, prefix: str) -> int:
        pattern = re.compile(re.escape(prefix) + r"(\d+)$")
        names = (row.get("name") or "" for row in self.tables["stock.picking"].values())
        return max((int(m.group(1)) for n in names if (m := pattern.match(n))), default=0)

    def _picking_name(self, prefix: str) -> str:
        self.sequence[prefix] += 1
        return f"{prefix}{self.sequence[prefix] - 1:05d}"

    def _when(self, text: str) -> str:
        """A fixed date, or +N: N days after the real today (09:00)."""
        if text.startswith("+"):
            return _stamp(self.today + dt.timedelta(days=int(text[1:])), "09:00")
        return _stamp(text, "09:00")

    def _tracking(self, carrier: str, rid: int) -> str:
        if carrier == "ups":
            return ups_tracking(UPS_ACCOUNT, "68", 3_100_000 + rid * 37)
        if carrier == "dhl":
            return dhl_waybill(418_200_000 + rid * 113)
        return upu_s10("CP", 31_400_000 + rid * 17, "NL")

    # -- partners and products --------------------------------------------------------------------

    def _partners(self) -> None:
        countries = {row["code"]: i for i, row in self.tables["res.country"].items()}
        refs = {"C": 1005, "V": 2003}
        company, domain, role = 0, "", ""
        for indented, words in _entries(_PARTNERS):
            if indented:
                self._contact(company, domain, words)
                continue
            role, key, name, email, country, zip_code, city, street, *_ = words
            domain = email.partition("@")[2]
            row: dict[str, Any] = {
                "name": name,
                "email": email,
                "is_company": role != "person",
                "street": street,
                "zip": zip_code,
                "city": city,
                "country_id": countries[country],
                "phone": self._phone(country, key),
            }
            kind = "V" if role == "supplier" else "C"
            row["ref"], refs[kind] = f"{kind}-{refs[kind]}", refs[kind] + 1
            if role != "person":
                row["vat"] = vat_number(country, name)
            if role != "supplier":
                row["user_id"] = LUCAS if country in ("NL", "DE", "FR", "LU") else SOPHIE
            if role == "former":
                row["active"] = False
            company = self.add("res.partner", row)
            self.partners[key], self.company[company] = company, company

    def _contact(self, company: int, domain: str, words: list[str]) -> None:
        key, name, email, function, *rest = words
        options = _options(rest)
        parent = self.tables["res.partner"][company]
        row: dict[str, Any] = {"name": name, "parent_id": company}
        if email != "-":
            row["email"] = f"{email}{domain}" if email.endswith("@") else email
        if function != "-":
            row["function"] = function
        if options.get("type"):
            row["type"] = options["type"]
        if options.get("type") == "delivery":
            row |= {k: parent[k] for k in ("zip", "city", "country_id")}
            row["street"] = options["street"]
        else:
            country = next(c for c, i in COUNTRIES.items() if i == parent["country_id"])
            row["mobile"] = self._phone(country, name, mobile=True)
        rid = self.add("res.partner", row)
        parent_key = next(k for k, v in self.partners.items() if v == company)
        self.partners[f"{parent_key}/{key}"], self.company[rid] = rid, company
        if options.get("type") in ("invoice", "delivery"):
            self.addresses.setdefault((company, options["type"]), rid)

    @staticmethod
    def _phone(country: str, seed: str, mobile: bool = False) -> str:
        n = zlib.crc32(seed.encode())
        first = {"BE": "4", "NL": "6", "DE": "15", "FR": "6", "ES": "6", "IT": "3"}
        head = first.get(country, "6") if mobile else str(2 + n % 7)
        return f"{PHONE[country]} {head}{n % 90 + 10} {n // 100 % 900 + 100} {n // 7 % 900 + 100}"

    def _products(self) -> None:
        for code, vendor in HAND_SUPPLY.items():
            self.vendor_of[self.products[code]] = self.partners[vendor]
        for _, words in _entries(_PRODUCTS):
            code, price, cost, vendor, name, *flags = words
            if code in self.products:  # hand-written since (OLV-1L): keep the later bulk ids
                self.next_id["product.product"] = self.next_id.get("product.product", FIRST_ID) + 1
                continue
            row: dict[str, Any] = {
                "default_code": code,
                "name": name,
                "list_price": float(price),
                "standard_price": float(cost),
                "type": "service" if "service" in flags else "product",
            }
            if "archived" in flags:
                row["active"] = False
            rid = self.products[code] = self.add("product.product", row)
            if vendor != "-":
                self.vendor_of[rid] = self.partners[vendor]

    # -- sales ------------------------------------------------------------------------------------

    def _sales(self) -> None:
        for _, words in _entries(_SALES):
            name, who, state, ordered, commitment, ref, lines, *rest = words
            self._sale(name, who, state, ordered, commitment, ref, lines, _options(rest))

    def _sale(
        self,
        name: str,
        who: str,
        state: str,
        ordered: str,
        commitment: str,
        ref: str,
        lines: str,
        options: dict[str, str],
    ) -> None:
        partner = self.partners[who]
        company = self.company[partner]
        customer = self.tables["res.partner"][company]
        shipping = self.addresses.get((company, "delivery"), partner)
        row: dict[str, Any] = {
            "name": name,
            "partner_id": partner,
            "partner_invoice_id": self.addresses.get((company, "invoice"), partner),
            "partner_shipping_id": shipping,
            "date_order": ordered.replace("T", " ") + ":00",
            "commitment_date": _stamp(commitment, "08:00"),
            "state": "sale" if state == "locked" else state,
            "locked": state == "locked",
            "user_id": customer.get("user_id") or SOPHIE,
            "invoice_status": "no",
        }
        if ref != "-":
            row["client_order_ref"] = ref
        if state in ("draft", "sent"):
            valid = dt.date.fromisoformat(ordered[:10]) + dt.timedelta(days=30)
            row["validity_date"] = valid.isoformat()
        so = self.orders[name] = self.add("sale.order", row)
        line_ids, untaxed = [], 0.0
        for sequence, item in enumerate(lines.split(","), 1):
            code, qty = item.split(":")
            product = self.tables["product.product"][self.products[code]]
            line = {
                "order_id": so,
                "sequence": 10 * sequence,
                "product_id": self.products[code],
                "product_uom_qty": float(qty),
                "price_unit": product["list_price"],
            }
            if "out" in options:
                line["qty_delivered"] = float(qty)
            if "inv" in options:
                line["qty_invoiced"] = float(qty)
            line_ids.append(self.add("sale.order.line", line))
            untaxed += float(qty) * product["list_price"]
        tax = _money(untaxed * TAX)
        row |= {"amount_untaxed": _money(untaxed), "amount_tax": tax}
        row["amount_total"] = _money(untaxed + tax)
        if state in ("sale", "locked") or "confirmed" in options:
            self._delivery(so, row, line_ids, shipping, options)
        if "out" in options:
            row["invoice_status"] = "to invoice"
        if "inv" in options or "draft_inv" in options:
            self._invoice(so, row, options)

    def _delivery(
        self,
        so: int,
        order: dict[str, Any],
        line_ids: list[int],
        shipping: int,
        options: dict[str, str],
    ) -> None:
        group = {"name": order["name"], "sale_id": so, "partner_id": shipping}
        order["procurement_group_id"] = gid = self.add("procurement.group", group)
        country = self.tables["res.partner"][self.company[shipping]]["country_id"]
        code = next(c for c, i in COUNTRIES.items() if i == country)
        carrier = options.get("via", SHIPPED_BY[code])
        commitment = dt.date.fromisoformat(order["commitment_date"][:10])
        state = "done" if "out" in options else "cancel" if order["state"] == "cancel" else ""
        picking: dict[str, Any] = {
            "name": self._picking_name("WH/OUT/"),
            "picking_type_id": 2,
            "partner_id": shipping,
            "origin": order["name"],
            "sale_id": so,
            "group_id": gid,
            "state": state or "assigned",
            "scheduled_date": _stamp(commitment - dt.timedelta(days=1), "08:00"),
            "date_deadline": order["commitment_date"],
            "carrier_id": CARRIERS[carrier],
        }
        pid = self.add("stock.picking", picking)
        if state == "done":
            picking["scheduled_date"] = _stamp(options["out"], "08:00")
            picking["date_done"] = _stamp(options["out"], f"{11 + pid % 6}:{pid * 7 % 60:02d}")
        if carrier != "van" and (state == "done" or "track" in options):
            picking["carrier_tracking_ref"] = self._tracking(carrier, pid)
        for line_id in line_ids:
            line = self.tables["sale.order.line"][line_id]
            if self.tables["product.product"][line["product_id"]].get("type") == "service":
                continue
            move = {
                "picking_id": pid,
                "product_id": line["product_id"],
                "product_uom_qty": line["product_uom_qty"],
                "state": state or "assigned",
                "origin": order["name"],
                "group_id": gid,
                "sale_line_id": line_id,
                "date": picking.get("date_done") or picking["scheduled_date"],
                "date_deadline": order["commitment_date"],
            }
            if state == "done":
                move["quantity"] = line["product_uom_qty"]
            self.delivery_moves[line_id] = self.add("stock.move", move)

    def _delivery_states(self) -> None:
        """Open deliveries wait for the purchases that feed them (or are ready from stock)."""
        moves = self.tables["stock.move"]
        by_picking: dict[int, list[str]] = defaultdict(list)
        for move_id in self.delivery_moves.values():
            move = moves[move_id]
            if move["state"] == "assigned" and move_id in self.feeding:
                status = self.feeding[move_id]
                move["state"] = {"full": "assigned", "partial": "partially_available"}.get(
                    status, "waiting"
                )
            by_picking[move["picking_id"]].append(move["state"])
        for pid, states in by_picking.items():
            picking = self.tables["stock.picking"][pid]
            if picking["state"] == "assigned" and "waiting" in states:
                picking["state"] = "waiting"

    # -- purchases --------------------------------------------------------------------------------

    def _purchases(self) -> None:
        for _, words in _entries(_PURCHASES):
            name, vendor_key, state, ordered, arrival, *rest = words
            options = _options(rest)
            self._purchase(name, self.partners[vendor_key], state, ordered, arrival, options)

    def _purchase_lines(self, vendor: int, options: dict[str, str]) -> list[dict[str, Any]]:
        """Per product: qty, the delivery moves fed and the sale lines (feeds=) or lines=."""
        if "lines" in options:
            pairs = [item.split(":") for item in options["lines"].split(",")]
            return [{"product": self.products[c], "qty": float(q), "dest": []} for c, q in pairs]
        wanted: dict[int, dict[str, Any]] = {}
        for so_name in options["feeds"].split(","):
            so = self.orders[so_name]
            rows = self.tables["sale.order.line"]
            for line_id in sorted(i for i, row in rows.items() if row["order_id"] == so):
                line = rows[line_id]
                if self.vendor_of.get(line["product_id"]) != vendor:
                    continue
                if line_id not in self.delivery_moves:
                    continue
                spec = wanted.setdefault(
                    line["product_id"],
                    {"product": line["product_id"], "qty": 0.0, "dest": [], "sale_lines": []},
                )
                spec["qty"] += line["product_uom_qty"]
                spec["dest"].append(self.delivery_moves[line_id])
                spec["sale_lines"].append(line_id)
        if not wanted:
            raise ValueError(f"{options['feeds']}: nothing to buy from vendor {vendor}")
        return list(wanted.values())

    def _purchase(
        self,
        name: str,
        vendor: int,
        state: str,
        ordered: str,
        arrival: str,
        options: dict[str, str],
    ) -> None:
        state = state.replace("_", " ")
        planned = self._when(arrival)
        received = options.get("recv") or options.get("partial")
        status = "full" if "recv" in options else "partial" if "partial" in options else "pending"
        confirmed = state in ("purchase", "done")
        row: dict[str, Any] = {
            "name": name,
            "partner_id": vendor,
            "origin": options.get("origin") or options["feeds"].replace(",", ", "),
            "date_order": ordered.replace("T", " ") + ":00",
            "date_planned": planned,
            "state": state,
            "user_id": PIET,
            "priority": "1" if "urgent" in options else "0",
            "invoice_status": "no",
        }
        if "ref" in options:
            row["partner_ref"] = options["ref"]
        if confirmed or (state == "cancel" and "feeds" in options):
            approved = dt.datetime.fromisoformat(ordered) + dt.timedelta(minutes=4)
            row["date_approve"] = approved.strftime("%Y-%m-%d %H:%M:%S")
        if confirmed:
            row["receipt_status"] = status
        po = self.add("purchase.order", row)
        lines, untaxed = [], 0.0
        for sequence, spec in enumerate(self._purchase_lines(vendor, options), 1):
            cost = self.tables["product.product"][spec["product"]]["standard_price"]
            got = spec["qty"] if status == "full" else spec["qty"] // 2 if received else 0.0
            line = {
                "order_id": po,
                "sequence": 10 * sequence,
                "product_id": spec["product"],
                "product_qty": spec["qty"],
                "price_unit": cost,
                "date_planned": planned,
                "qty_received": got if confirmed else 0.0,
            }
            if len(spec.get("sale_lines", [])) == 1:
                line["sale_line_id"] = spec["sale_lines"][0]
            line_id = self.add("purchase.order.line", line)
            for move_id in spec["dest"]:
                self.tables["stock.move"][move_id]["created_purchase_line_id"] = line_id
                self.feeding[move_id] = status if confirmed else "pending"
            lines.append((line_id, line, spec["dest"]))
            untaxed += spec["qty"] * cost
        row["amount_total"] = _money(untaxed * (1 + TAX))
        if confirmed:
            self._receipts(po, row, lines, status, options)
        if confirmed and received:
            row["invoice_status"] = "to invoice"
        if "bill" in options:
            self._bill(po, row, lines, options)

    def _receipts(
        self,
        po: int,
        order: dict[str, Any],
        lines: list[tuple[int, dict[str, Any], list[int]]],
        status: str,
        options: dict[str, str],
    ) -> None:
        received = options.get("recv") or options.get("partial")
        batches = [("done", received)] if status == "full" else [("assigned", None)]
        if status == "partial":
            batches = [("done", received), ("assigned", None)]
        for state, day in batches:
            picking: dict[str, Any] = {
                "name": self._picking_name("WH/IN/"),
                "picking_type_id": 1,
                "partner_id": order["partner_id"],
                "origin": order["name"],
                "purchase_id": po,
                "state": state,
                "scheduled_date": order["date_planned"],
            }
            pid = self.add("stock.picking", picking)
            if day:
                picking["date_done"] = _stamp(day, f"{9 + pid % 5}:{pid * 11 % 60:02d}")
            if "track" in options:
                picking["carrier_id"] = CARRIERS[options["track"]]
                picking["carrier_tracking_ref"] = self._tracking(options["track"], pid)
            for line_id, line, dest in lines:
                done = line["qty_received"]
                qty = done if state == "done" else line["product_qty"] - done
                move = {
                    "picking_id": pid,
                    "product_id": line["product_id"],
                    "product_uom_qty": qty,
                    "state": state,
                    "origin": order["name"],
                    "purchase_line_id": line_id,
                    "move_dest_ids": list(dest),
                    "date": picking.get("date_done") or picking["scheduled_date"],
                }
                if state == "done":
                    move["quantity"] = qty
                self.add("stock.move", move)

    # -- invoices and bills -----------------------------------------------------------------------

    def _invoice(self, so: int, order: dict[str, Any], options: dict[str, str]) -> None:
        partner = self.tables["res.partner"][self.company[order["partner_id"]]]
        row: dict[str, Any] = {
            "move_type": "out_invoice",
            "partner_id": order["partner_invoice_id"],
            "invoice_origin": order["name"],
            "invoice_user_id": order["user_id"],
            "amount_untaxed": order["amount_untaxed"],
            "amount_total": order["amount_total"],
            "amount_residual": order["amount_total"],
        }
        if "draft_inv" in options:
            row |= {"state": "draft", "date": options["out"]}
            order["invoice_ids"] = [self.add("account.move", row)]
            return
        terms = 0 if not partner["is_company"] else 30
        self._post(row, options["inv"], terms, options.get("pay"))
        invoice = self.add("account.move", row)
        order["invoice_ids"], order["invoice_status"] = [invoice], "invoiced"
        if "refund" in options:
            day, code, qty = options["refund"].split(":")
            price = self.tables["product.product"][self.products[code]]["list_price"]
            untaxed = _money(float(qty) * price)
            refund: dict[str, Any] = {
                **row,
                "move_type": "out_refund",
                "reversed_entry_id": invoice,
                "amount_untaxed": untaxed,
                "amount_total": _money(untaxed * (1 + TAX)),
            }
            self._post(refund, day, 0, "paid" if row["payment_state"] == "paid" else "not_paid")
            credit_note = self.add("account.move", refund)
            self.reasons[credit_note] = _REFUND_REASONS[code]
            order["invoice_ids"].append(credit_note)

    def _bill(
        self,
        po: int,
        order: dict[str, Any],
        lines: list[tuple[int, dict[str, Any], list[int]]],
        options: dict[str, str],
    ) -> None:
        day, ref = options["bill"].split(":", 1)
        untaxed = sum(line["qty_received"] * line["price_unit"] for _, line, _ in lines)
        row: dict[str, Any] = {
            "move_type": "in_invoice",
            "partner_id": order["partner_id"],
            "invoice_origin": order["name"],
            "ref": ref,
            "payment_reference": ref,
            "invoice_user_id": PIET,
            "amount_untaxed": _money(untaxed),
            "amount_total": _money(untaxed * (1 + TAX)),
        }
        self._post(row, day, 30, None)
        bill = self.add("account.move", row)
        for _, line, _ in lines:
            line["qty_invoiced"] = line["qty_received"]
        order["invoice_status"] = "invoiced"
        if "credit" in options:
            day, ref, code, qty = options["credit"].split(":")
            cost = self.tables["product.product"][self.products[code]]["standard_price"]
            credit = _money(float(qty) * cost)
            row = {**row, "move_type": "in_refund", "ref": ref, "payment_reference": ref}
            row |= {"reversed_entry_id": bill, "amount_untaxed": credit}
            row["amount_total"] = _money(credit * (1 + TAX))
            self._post(row, day, 30, None)
            self.add("account.move", row)

    def _post(self, row: dict[str, Any], day: str, terms: int, pay: str | None) -> None:
        """Post an invoice on `day` (named later) with its due date and payment state."""
        due = dt.date.fromisoformat(day) + dt.timedelta(days=terms)
        pay = pay or ("paid" if due < TODAY else "not_paid")
        residual = {"paid": 0.0, "in_payment": 0.0, "partial": _money(row["amount_total"] * 0.35)}
        row |= {"state": "posted", "date": day, "invoice_date": day, "payment_state": pay}
        row |= {"invoice_date_due": due.isoformat()}
        row["amount_residual"] = residual.get(pay, row["amount_total"])

    def _number_moves(self) -> None:
        """Name posted invoices, refunds and bills in date order, around the hand-written ones."""
        moves = self.tables["account.move"]
        prefixes = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL"}
        prefixes["in_refund"] = "RBILL"
        taken: dict[str, dict[int, str]] = defaultdict(dict)
        for row in moves.values():
            match = re.fullmatch(r"([A-Z]+/\d{4})/(\d+)", row.get("name") or "")
            if match:
                taken[match.group(1)][int(match.group(2))] = row["date"]
        todo = sorted(
            (row["date"], rid)
            for rid, row in moves.items()
            if rid >= FIRST_ID and row.get("state") == "posted"
        )
        counters: dict[str, int] = {}
        for day, rid in todo:
            row = moves[rid]
            journal = f"{prefixes[row['move_type']]}/{day[:4]}"
            number = counters.get(journal, FIRST_NUMBER.get(journal, 1))
            while number in taken[journal]:
                number += 1
            counters[journal] = number + 1
            row["name"] = f"{journal}/{number:05d}"
            if row["move_type"] == "out_invoice":
                row["payment_reference"] = row["name"]
        for rid, reason in self.reasons.items():
            row = moves[rid]
            row["ref"] = f"Reversal of: {moves[row['reversed_entry_id']]['name']}, {reason}"
            row["payment_reference"] = row["name"]

    def _ranks(self) -> None:
        """Customer and supplier ranks: the orders of each bulk company (1 at least)."""
        customers: Counter[int] = Counter()
        for row in self.tables["sale.order"].values():
            if row["state"] != "cancel":
                customers[self.company.get(row["partner_id"], row["partner_id"])] += 1
        vendors = Counter(
            row["partner_id"]
            for row in self.tables["purchase.order"].values()
            if row["state"] != "cancel"
        )
        for rid, row in self.tables["res.partner"].items():
            if rid < FIRST_ID or row.get("parent_id"):
                continue
            if row["ref"].startswith("V-"):
                row["supplier_rank"] = max(1, vendors[rid])
            else:
                row["customer_rank"] = max(1, customers[rid])
