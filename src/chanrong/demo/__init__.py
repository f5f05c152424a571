"""The simulated industrial park (模拟产业园区) behind ``chanrong demo`` and ``make demo``.

Modules:

* ``catalogue``: the reference tables (cities, trade names, segments and their goods and
  equipment, institutions, device kinds); the same for every seed.
* ``codes``: the per-part random streams and the codes drawn from them (organisation codes,
  unified social credit codes, licence codes, prefix nodes).
* ``roster``: who is in the park (pure): the parties and their prefixes.
* ``records``: what the enterprises register (pure): batches, devices, trade links, documents.
* ``plan``: ``plan_park(seed)``, the whole park as a ``ParkPlan`` of plain dataclasses.
* ``build``: ``build_park(session, seed=...)`` writes the plan through the services (never
  commits); ``park_status`` and ``summarise`` read it back from the database.
* ``cli``: the ``chanrong demo`` command and its summary tables.

The plan is built part by part (``operator_party``, ``core_enterprises``, ``smes``,
``institutions``, ``prefixes``, ``product_batches``, ``devices``, ``trade_links``,
``documents``, ``logins``, ``api_key_holders``). Each part draws from its own random stream
``random.Random(f"chanrong-park:{seed}:{part}")``, so adding a part later (trade, receivables,
telemetry) never changes what the existing parts generate for a seed. ``build_park`` stores the
plan through the services only (``draft_or_raise``/``create_party``,
``register_prefix``/``register_identifier``, ``create_user``/``issue_api_key``) acting as
``Principal.system()``.

What the park holds, for every seed (names, codes, cities, devices and amounts vary with it):

* 1 platform operator (产融平台运营方), code ``op``.
* 4 core enterprises: an excavator maker in 长沙 (C35, ``excavator``), a garment group in 宁波
  (C18, ``garment``), a refinery in 东营 (C25, ``refinery``), an automotive and logistics group
  in 武汉 (C36, ``autolog``).
* 50 SMEs in 12 provinces (``SME_SEGMENTS``): sewing workshops (C18), mould makers (C35), metal
  parts (C33), road logistics (G54), electronics (C39), pharma distributors (F51), chemical
  buyers (C26), auto parts (C36), industrial-internet platforms (I65), two agents (F51) and four
  equipment makers (sewing machines C35, motors C38, energy meters C40, CNC machines C34).
* 9 financial institutions with licence codes: 3 banks, 2 insurers, 2 lessors, 1 factoring
  company, 1 fund manager.

Every enterprise holds the prefix ``88.<10 + GB/T 4754 division>.<n>`` (``88.1035.1`` is the
first C35 enterprise) and registers its devices (``SM-0001`` sewing machines, ``EX-`` excavators,
``MT-`` motors, ``LV-`` logistics vehicles, ``EM-`` energy meters, ``CNC-`` machining centres),
each linked to its maker's product batch (``PB.<model>.<yyyymm>``), and its trade documents
(``PO.2024.0001`` purchase orders, ``CT.2024.0001`` contracts, ``DN.2024.0001`` delivery notes,
``INV.2024.000001`` invoices). Prices and amounts are integer fen in protected fields.

Unified social credit codes are ``91`` + the city's division code + a 9-character organisation
code (GB 11714, with its own check character) + the GB 32100 check character. Every party has
one admin ``<code>-admin`` whose password is ``DEMO_PASSWORD``; every core enterprise and bank
also gets one API key. Dates are set in the park year 2024 so that a seed always gives the same
park.
"""
