"""What kind of answer a question asks for, and whether a sentence holds one.

A passage can share every word with a question and still not answer it:
"哪一天发布" is not answered by "2020 年", "驻地协调员是谁" not by a sentence
that names no one, "为什么" not by one that gives no reason. Each rule pairs
what a question asks (a pattern) with what an answer must then contain. The
first rule whose pattern matches the question decides; a question none match
(most "what" questions) asks for nothing checkable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from qa.lang.names import Names, mentioned
from qa.lang.tokenize import expand_english, normalised

_NUMERAL = "一二两三四五六七八九十百千万"
_UNITS = "个名人位项次家所层部台辆座条种份批篇本张届轮度"  # measure words a count is given in


@dataclass(frozen=True)
class Want:
    name: str  # person, agent, country, body, city, place, reason, ranking, finding, day, month, date, money, count, number
    asks: re.Pattern
    met: Callable[[str, re.Match, Names], bool]  # (sentence, the question's match, names) -> holds it?


def _has(pattern: str) -> Callable[[str, re.Match, Names], bool]:
    rx = re.compile(pattern)
    return lambda sentence, _m, _names: bool(rx.search(sentence))


def _names_a_country(sentence: str, _m: re.Match, names: Names) -> bool:
    return bool(names.find(normalised(sentence), "countries")) if names.countries else True


def _names_a_city(sentence: str, _m: re.Match, names: Names) -> bool:
    return any(city in sentence for city in names.cities) or bool(re.search(r"[\u4e00-\u9fff]{2,4}市", sentence))


# where a technical text puts something: a path (/etc/shadow, ~/.wgetrc, C:\\texlive), a web or mail address, or
# somewhere named after 在/于/到/放 (在 NVRAM, 存放在安装介质的数据库中, 放在 sbin 目录) or before 上/中/里 (状态栏上)
_LOCATED = re.compile(r"(?<![\w.])(?:~|\.{1,2})?/[\w.\-]+|(?<![A-Za-z])[A-Za-z]:\\"
                      r"|https?\s*:\s*/|www\s*\.|[\w.\-]+@[\w\-]+\.[a-z]{2,}"
                      r"|(?:在|于|到|放|存)\s*[A-Za-z~/\"“]"
                      r"|(?:在|于|到|放|存)[^，。,;；]{0,24}?"
                      r"(?:目录|文件夹|文件|菜单|栏|页面|窗口|分区|仓库|网站|服务器|介质|数据库|邮件列表)"
                      r"|(?:目录|文件夹|菜单|栏|页面|窗口|分区|仓库|网站|服务器|介质|数据库)(?:中|上|里|内|下)")


def _names_a_place(sentence: str, m: re.Match, names: Names) -> bool:
    """A named place (a city, a region), or where a technical text puts something (``_LOCATED``).

    >>> from qa.lang.names import Names
    >>> [_names_a_place(s, None, Names()) for s in ("加密后的密码保存在 “/etc/shadow”", "启动配置通过变量存储在 NVRAM",
    ...                                              "点击状态栏上的总行数可以打开行号", "这是一个很好的工具")]
    [True, True, True, False]
    """
    return (_names_a_city(sentence, m, names) or bool(names.find(normalised(sentence), "places"))
            or bool(_LOCATED.search(sentence)))


# measure words one speaker may use where another uses the other: 几家机构 is answered by "12 个…机构",
# 多少人 by "311 名"; 个 stands in for any of them but people
_PEOPLE = "人名位"  # people are counted in 人/名/位: "4 个本国职位" counts posts, not people
_KINDRED = (_PEOPLE, "家所座处间", "项条种份批", "次轮届")


def _counts_unit(sentence: str, m: re.Match, _names: Names) -> bool:
    # 多少个联合方案 wants "35 个": a count of that unit, not any number. 个 is the general measure word, so
    # any measure word answers it (多少个新生儿: 3 万多名), and it answers any (``_KINDRED``); 3 万多名 is a count too
    asked = m.group(1)
    kin = next((g for g in _KINDRED if asked in g), asked)
    return bool(_unit_count(asked, kin).search(sentence))


@lru_cache(maxsize=64)
def _unit_count(asked: str, kin: str) -> re.Pattern:
    unit = f"[{_UNITS}]" if asked == "个" else f"[{kin}]" if kin == _PEOPLE else f"[{kin}个]"
    return re.compile(rf"(\d|[{_NUMERAL}])\s*[十百千万亿]?\s*多?\s*{unit}")


def _counts_thing(sentence: str, _m: re.Match, _names: Names) -> bool:
    # 多少工作人员, how many staff: a number that is neither a share (82%) nor a date
    return bool(_QUANTITY.search(_PERCENT.sub(" ", _ARTICLE.sub(" ", _DATE.sub(" ", sentence)))))


_DATE = re.compile(r"(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")
# (a size in words: 六百多兆, 好几 GB)
_QUANTITY = re.compile(rf"\d|[{_NUMERAL}亿]+[个名项次年倍轮天%％]|[一二三四五六七八九十]分之"
                       rf"|[{_NUMERAL}几]+[多余]?\s*(?:兆|[KMGT]i?B\b)")


_ARTICLE = re.compile(rf"(?<![{_NUMERAL}\d])一(?=[{_UNITS}])")  # 一项新的战略: "a", not a quantity


def _quantity(sentence: str, _m: re.Match, _names: Names) -> bool:
    # how much is not answered by a date ("2019 年") nor by an article ("一项新的…")
    return bool(_QUANTITY.search(_ARTICLE.sub(" ", _DATE.sub(" ", sentence))))


_PERCENT = re.compile(r"\d[\d\s.]*\s*[%％]|百分之[一二三四五六七八九十百零\d]+")
# a share as a report writes one: 46%, 百分之五十, 三分之二, 一半, 过半, 大多数, 七成
# (the figures alone answer 百分之多少: 一半 or 大多数 gives none)
_FIGURE_SHARES = (r"\d[\d\s.]*\s*[%％]|百分之[一二三四五六七八九十百零\d]+|分之[一二三四五六七八九十\d]"
                  r"|[一二三四五六七八九]成(?![员立为果功本绩效])")
_FIGURE_SHARE = re.compile(_FIGURE_SHARES)
_SHARE = re.compile(_FIGURE_SHARES + r"|一半|半数|过半|多数|少数")
_ASKS_FIGURE = re.compile(r"百分|几成|percent")
# roles and bodies that act in a UN report: the answer to "谁…" names one
# a person named in Latin letters, given name (or initials) then family name: Leslie Lamport, Donald E. Knuth
_LATIN_PERSON = r"\b[A-Z][a-z]+(?: [A-Z]\.)* [A-Z][a-z]{2,}\b"
_ROLE = re.compile(r"秘书长|主席|协调员|主任|部长|总统|总理|大使|政府|会员国|大会|理事会|执行局|委员会|机构|实体|办公室|"
                   r"工作队|集团|署|组织|基金|部门|[\u4e00-\u9fff]·[\u4e00-\u9fff]|先生|女士|"
                   # who made or keeps a thing, as a technical text says it (我校李振楠同学, 国内公司, TEX 用户组)
                   r"同学|学子|老师|教授|作者|译者|开发者|维护者|团队|公司|用户组|社区|" + _LATIN_PERSON)
_RANKS = r"最[高多大低少小早晚]|居首|首位|之首|排名第一"  # a sentence that ranks: 最多, 居首
# a sum of money: a number and a currency (3.5 亿美元, 100 万人民币, 2 000 港币, $5, 30 dollars)
_MONEY = re.compile(r"(?:\d|[万亿])\s*(?:万|亿)?\s*(?:美元|欧元|瑞士法郎|法郎|英镑|日元|元|人民币|港币|台币|卢布|美金|镑)"
                    r"|[$€£¥￥]\s*\d|\d\s*(?:dollars|euros|pounds|francs)\b", re.IGNORECASE)
# a finding reported: 调查发现, 报告说, 结果显示
_FOUND = re.compile(r"发现|显示|表明|表示|指出|认为|报告说|结论|结果|查明|确定了")
# planned or under way, not done: 将于 2020 年 7 月完成, 正在制作中
_NOT_YET = re.compile(r"将[^,，。]{0,12}(?:完成|试行|审查|进行|开展|推出|启动|建立)|将于|即将|正在|尚未|仍在|有待")

# 几 asks how many, unless it only says "a few" (好几张, 那几个, 十几, 多敲几个空白键…吗): then a question word after it,
# in the same question, asks what is asked (几个积分号…哪里不对劲, 几个核心岗位分别管哪些方面)
_JI = r"(?<![哪好那这十])几(?![^？?]*?(?:哪|什么|怎么|怎样|为什么|为何|如何|吗|谁))"

# a date in figures (2021.05.06, 2021-05-06, 2021/5/6), a month (2021.05), a year standing alone (TeX Live 2010)
_YMD = r"(?<!\d)(?:19|20)\d\d[./-](?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])(?!\d)"
_YM = r"(?<![\d.])(?:19|20)\d\d(?:[/-](?:0?[1-9]|1[0-2])|\.(?:0[1-9]|1[0-2]))(?![\d%]|\s*(?:[千万亿元]|美元))"
_BARE_YEAR = r"(?<![\d.,])(?:19|20)\d\d(?![\d.,%]|\s*(?:[个名人项次万亿元年月日天]|美元|千))"

# Questions are matched after ``normalise``: Simplified, half-width punctuation (, ? ( )), lower case.
WANTS: tuple[Want, ...] = (
    # a person's name: the report names no one, so these go unanswered unless a name is printed
    # (asked of a role: 驻地协调员是谁; but 与驻地协调员共同牵头的是谁 is answered by a role, 外交部长)
    Want("person", re.compile(r"姓名|(?:人|者|长|员|官|主任|主席|特使|代表|干事|总裁)(?:叫什么名字|叫啥|是谁|是哪位)"
                              r"|\bname of the (?:head|chief|director|person)|\bwhat is the name of|\bwho is the (?:current )?(?:head|chief|director)"
                              r"|\bwho (?:heads|leads|runs|directs)\b"),
         _has(r"[\u4e00-\u9fff]·[\u4e00-\u9fff]|先生|女士|" + _LATIN_PERSON)),
    # a web address (网址, 链接, URL): only a printed address gives one, not a sentence about a website
    Want("address", re.compile(r"网址|网站地址|网页地址|网站链接|链接是|\burl\b|\bweb ?(?:site |page )?address|\blink to\b"),
         _has(r"https?\s*:\s*/|www\s*\.|[a-z]\s*\.\s*(?:org|int|com|net)\b")),
    # the name of a thing (那个平台叫什么, 基金会叫啥名字): a report prints a name in quotes or as a title
    # ("硅大草原", 《仙台框架》) or in Latin letters (UN Info); "一家移动电话公司基金会" names none.
    # (标题叫什么 asks for a figure's title: its line 图一：… answers it)
    Want("name", re.compile(r"(?<!标题)(?<!题目)(?:叫什么|叫啥|叫做什么|名字是什么|名称是什么|什么名字|什么名称)"),
         _has(r"“[^”]{1,24}”|「|《|·|先生|女士|[A-Z][A-Za-z]{2,}|^图[一二三四五六七八九十]+[:：]"
              r"|[a-z]{2,}[-_][\w-]+|[a-z]{2,}\d[\w-]*")),  # (or a file's or style's name: install-tl, gb7714-2015)
    # which country; before "who": 那两个会员国分别是谁 asks for countries, not for any agent
    Want("country", re.compile(r"哪[一]?[几个些两三四五六七八九十\d]*\s*(?:会员国|国家)|(?:国家|会员国)[^,。?]{0,6}(?:是|有|包括)哪"
                               r"|(?:国家|会员国)[^,。?]{0,4}是谁"
                               r"|\bwhich (?:\w+ )?(?:countries|country|member states?)\b"),
         _names_a_country),
    # who is the biggest, the first (最大的捐助方是谁): only a sentence that ranks answers, not one naming any body
    Want("ranking", re.compile(r"最[高多大低少小早晚](?:的[\u4e00-\u9fff]{1,6})?是谁|\bwho (?:is|was|are|were) the (?:biggest|largest|top|main)\b"),
         _has(_RANKS)),
    # who did it, asked of no role: answered by a sentence naming a body, a role or a person
    Want("agent", re.compile(r"谁|\bwho\b|\bby whom\b"),
         lambda sentence, _m, names: bool(_ROLE.search(sentence)) or bool(names.find(normalised(sentence), "bodies"))),
    # which body: answered by a sentence naming a UN entity or another international body
    Want("body", re.compile(r"哪[一]?[几个些两三四五六七八九十\d]*\s*(?:[\u4e00-\u9fff]{0,6}成员|机构|实体|组织|基金|署|办事处)"
                            r"|\bwhich (?:\w+ )?(?:\w+ )?(?:members?|entities|entity|agenc(?:y|ies)|organi[sz]ations?|bod(?:y|ies))\b"),
         lambda sentence, _m, names: bool(names.find(normalised(sentence), "bodies")) if names.bodies else True),
    # a command, program, option, package or file (什么命令, 哪个宏包, 加什么选项, which command): a technical text
    # writes one in Latin letters or as a path (tlmgr, -portable, ~/.fonts.conf), other than those the question gives
    Want("code", re.compile(r"(?:什么|哪个|哪一个|哪些|哪条|哪几个|啥)(?:命令|指令|程序|选项|参数|脚本|软件包|宏包|文件名|环境变量)"
                            r"|(?:命令|指令|选项|参数|程序|文件|脚本|宏包|软件包)(?:名|名字|名称)?(?:是什么|叫什么|叫啥|是哪)"
                            r"|用什么(?:命令|程序|选项|参数)|(?:运行|执行|输入)(?:什么|哪个)|加什么(?:选项|参数)"
                            r"|\b(?:what|which) (?:command|option|program|package|script|environment variable)s?\b"),
         _has(r"[A-Za-z][A-Za-z0-9]+|[~/%\\][\w.\-/%\\]*[A-Za-z]|(?<![\w-])-[A-Za-z]\b")),  # (a path names something:
    # not a bare ~/.; a one-letter option, -n, is one)
    Want("city", re.compile(r"哪几?[个些座]?城市|\bwhich cit(?:y|ies)\b|\bin what city\b"), _names_a_city),
    Want("place", re.compile(r"哪些?地[点方区]|什么地方|在哪里|位于哪|设在哪|\bwhere\b"), _names_a_place),
    Want("reason", re.compile(r"为什么|为何|什么原因|原因是什么|\bwhy\b"),
         _has(r"因为|由于|原因|因此|所以|得益于|鉴于|为了|以便|导致|使得|因而|从而|出于"
              r"|意味着|否则|以免|避免|初衷|在于|取决于|目的|造成|引起|用于|才能")),  # (…: as a manual gives a reason)
    # how to do something oneself (怎么报名, 需要什么条件): answered by a procedure, which a report seldom gives
    Want("procedure", re.compile(r"(?:怎么|怎样|如何)(?:才能)?(?:报名|申请|加入|注册|应聘|投诉|办理|联系)"
                                 r"|需要(?:什么|哪些)(?:条件|资格|材料|手续)|\bhow (?:do|can|should) (?:i|we|you)\b"),
         _has(r"申请|报名|程序|步骤|手续|资格|条件|必须|须|应当|通过|使用|运行|执行|输入|点击")),  # (使用…: as a manual says how)
    Want("ranking", re.compile(r"最[高多大低少小早晚](?:的[\u4e00-\u9fff]{1,6})?是哪|哪一?[个家位][^,。]{0,16}最[高多大低少小早晚]\??$"
                               r"|\bwhich\b.*\b(?:most|largest|highest|lowest|least)\b"),
         _has(_RANKS)),
    # what something found or concluded: not answered by a sentence saying it is still to come
    Want("finding", re.compile(r"(?:得出|发现|反映出|显示出|表明|查明)了?(?:哪些|什么)|(?:哪些|什么)(?:主要|具体)?(?:结论|结果|成效)"
                               r"|结果如何|结论是什么|\bwhat did\b.*\b(?:find|conclude|show|reveal)\b|\bwhat (?:were|are) the (?:\w+ )?(?:findings|conclusions)\b"),
         lambda sentence, _m, _names: bool(_FOUND.search(sentence)) and not _NOT_YET.search(sentence)),
    Want("day", re.compile(r"哪[一几]?[天日]|几号|日期|what (?:date|day)|which days?"), _has(rf"\d+\s*日|{_YMD}")),
    Want("month", re.compile(r"哪一?个?月|几月|what month|which month"), _has(rf"\d+\s*月|{_YM}")),
    # (English "when" asks a time as a question word: when the portal will go live, as of when, and when did…; not
    # as a clause: "when building an index, what…", "which option is used when experimenting")
    Want("date", re.compile(r"哪一?年|哪几年|何时|什么时候|what year|which year|\b(?:since|until|by|from|as of) when\b"
                            r"|^when\b(?!\s+\w+ing\b)(?![^,]*,\s*(?:what|which|how|who|where|why)\b)"
                            r"|(?:[,;?.]\s*|\band\s+)when\s+"
                            r"(?:is|was|were|are|did|does|do|will|would|can|could|has|have|had|should|must)\b"),
         # (or by a session: "when will the Assembly review it" - 大会第七十五届会议; or a year standing alone, as a
         # version names it: TeX Live 2010, not 2000 个)
         _has(rf"(19|20)\d\d\s*年|\d+\s*月|\d+\s*日|第[一二三四五六七八九十百\d]+届|{_YM}|{_BARE_YEAR}")),
    # an amount of money wants a currency: 280 000 人 is no sum
    # (多少美元, 花了多少, 节省了多少: a sum by its currency or by spending; 预算有多少)
    Want("money", re.compile(r"多少(?:资金|钱|经费|开支|费用|捐款|金额|收入|预算|支出|资源|捐助|供资|租金|薪金|美元|欧元)"
                             r"|(?:金额|资金|开支|费用|预算|收入|支出|成本|经费|租金|薪金)(?:总额|总计)?(?:是|为|共|约|达到|有)?多少"
                             r"|(?:花|花费|耗费|节省|节约|支付|捐|缴|缴纳|交纳|拨付|筹集|筹措|募集|认捐)了?多少|省了多少"
                             # a salary or a tax is a sum (工资待遇大概是多少, 协调税是多少, how much does she earn)
                             r"|(?:工资|薪酬|薪水|薪资|薪金|年薪|月薪|待遇)[^,。?]{0,6}?多少(?![个名人位项次])|税(?:款|额|收)?(?:是|为|共|约|有)?多少"
                             r"|how much (?:money|funding)|how much (?:did|does|do|will|would) [\w ]+ (?:give|pay|spend|save|cost|contribute|put|earn|make|be paid|get paid)"
                             r"|\b(?:salary|salaries|wages?)\b"
                             r"|\bwhat (?:was|is|were) the (?:total )?(?:envelope|budget|cost|funding|amount of money)\b"),
         lambda sentence, _m, _names: states_a_sum(sentence)),
    # a share (多大比例, 百分之几, 几成, 占多大份额, what share): a percentage or a fraction answers it, a count
    # does not. (比例 alone is a topic, not a request: 这个比例依据的是哪项调查)
    Want("share", re.compile(r"(?:比例|百分比|比率|份额|占比|比重)[^,。?]{0,8}(?:多少|几|多大|多高)"
                             r"|(?:多大|多少|多高|什么)的?(?:比例|百分比|比率|份额|占比|比重)|百分之(?:几|多少)|几成"
                             r"|占[^,。?]{0,10}(?:多大|几成)"
                             r"|\bwhat (?:share|percentage|proportion|fraction|percent)\b|\bhow many percent\b"),
         # 百分之多少, what percentage, 几成 ask for a figure: 大多数 or 一半 does not give one
         lambda sentence, m, _names: bool((_FIGURE_SHARE if _ASKS_FIGURE.search(m.group(0)) else _SHARE)
                                          .search(sentence))),
    # how many people think or say something (有多少驻协觉得…, how many RCs said): a survey answers with a
    # share of them as often as with a count
    Want("share", re.compile(rf"多少\s*[{_UNITS}]?[\u4e00-\u9fff]{{1,8}}?(?:觉得|认为|表示|报告说|反映|同意|赞同|满意)"
                             r"|\bhow many\b[\w ]{0,40}?\b(?:said|say|think|thought|felt|feel|reported|agreed|believed?)\b"),
         _quantity),
    Want("count", re.compile(rf"(?:多少|{_JI})\s*([{_UNITS}])"), _counts_unit),
    # how many of a thing (多少工作人员, how many staff) is a count: a share (82%) does not answer it
    Want("amount", re.compile(r"多少(?!比例|百分比|份额|比率|倍)([\u4e00-\u9fff]{2})|\bhow many\b"), _counts_thing),
    # (比例 alone is a topic, not a request: 这个比例依据的是哪项调查, 比例之和与 100% 的差额代表什么)
    Want("number", re.compile(rf"多少|多大|多高|多长|多久|{_JI}[个名项次年倍轮天]|百分之几|how many|how much|what share"
                              r"|what percentage|\bhow\b.*\b(large|big)"),
         _quantity),
)


_ASIDE = re.compile(r"\([^()]*\)")
# a set the question picks from (几种办法中最推荐哪一种, 多少个选项里哪个最快): a scope, not a count asked
_SCOPE = re.compile(rf"(?:多少|几)\s*[{_UNITS}]?[\u4e00-\u9fff]{{0,6}}?(?:之中|当中|中|里)(?=[^。？?]*(?:哪|什么|谁))")


@lru_cache(maxsize=4096)
def _plain(question: str) -> str:
    """``question`` normalised, less its asides in brackets and the set it picks from (read past by ``wanted``
    and ``asks_how_long``)."""
    return _SCOPE.sub("", _ASIDE.sub("", normalised(question)))


@lru_cache(maxsize=4096)
def wanted(question: str) -> tuple[Want, re.Match] | None:
    """The first rule whose pattern the question matches, with the match.

    Asides in brackets are read past: 负责人（助理秘书长）叫什么名字 asks a name, and so is the set a question
    picks from: 几种办法中最推荐哪一种 asks which one, not how many.

    >>> wanted("几种办法中最推荐哪一种"), wanted("几种办法")[0].name
    (None, 'count')
    """
    plain = _plain(question)
    for want in WANTS:
        m = want.asks.search(plain)
        if m:
            return want, m
    return None


def expected_type_met(question: str, sentence: str, names: Names | None = None,
                      also_named: tuple[str, ...] = ()) -> bool | None:
    """Whether ``sentence`` holds what the question asks for; None if it asks for nothing checkable.

    Numbers and names the question itself gives do not count. A number or date asked about a country or
    body (named in the question, or ``also_named``), or a quantity asked about a year, must stand in a clause
    that names it or names no other (``names`` is needed for the bodies and for "which country"; without it
    those checks are skipped).

    >>> expected_type_met("有多少核心职位", "现在都有五个核心职位。"), expected_type_met("是什么", "甲。")
    (True, None)
    >>> expected_type_met("特别指南是在哪一天发布的", "2020 年，还需要最后确定特别指南。")
    False
    >>> expected_type_met("112 个国家办事处中有多少个报告更方便", "对 112 个国家办事处进行的调查显示")
    False
    >>> expected_type_met("2021 年预计收入多少美元", "这低于 2019 年预计的 2.81 亿美元收入")
    False
    >>> expected_type_met("执行 mount 要加什么选项", "使用 mount 命令需要添加 -n 选项")  # the question's mount does not count
    True
    >>> expected_type_met("为什么要重新打开窗口", "关闭窗口再重新打开才能获取新的环境变量")
    True
    """
    hit = wanted(question)
    if hit is None:
        return None
    want, m = hit
    names = names or _NO_NAMES
    # (``also_named``: countries an English question names, in Chinese: ``Query.countries``)
    asked = tuple(dict.fromkeys([*_asked_names(question, names), *also_named]))
    # (a date asked beside a year may fall in another: 2019 年通过的指南何时生效)
    asked_years = years(question) if want.name in QUANTITIES else frozenset()
    # all that the answer depends on: the same sentences come up for question after question, asking alike
    # (the match and its groups are all a rule reads of it: 百分之多少 against 多大比例, the unit of 多少个)
    key = (id(want), m.group(0), m.groups(), asked, _given_numbers(question), asked_years, names, sentence)
    met = _MET.get(key)
    if met is None:
        if len(_MET) > 100_000:
            _MET.clear()
        met = _MET[key] = _met(question, want, m, asked, asked_years, sentence, names)
    return met


_MET: dict[tuple, bool] = {}

# a clause that is only a time: 2019 年, 在 2019 年期间, 截至 2020 年 3 月, 2019 年底
_LEADING_TIME = re.compile(r"(?:在|于|截至|截止|到|自)?\s*(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?"
                           r"\s*(?:期间|内|中|底|初|年底|年初|以来)?")


def _met(question: str, want: Want, m: re.Match, asked: tuple[str, ...], asked_years: frozenset[str],
         sentence: str, names: Names) -> bool:
    if not want.met(_without_given(question, asked, sentence, names), m, names):
        return False
    if not (asked or asked_years) or want.name not in VALUES:
        return True
    clauses = _CLAUSE.split(sentence)
    # a sentence that opens with its time (2019 年，…; 截至 2020 年 3 月，…) speaks of that year throughout
    lead = years(clauses[0]) if len(clauses) > 1 and _LEADING_TIME.fullmatch(clauses[0].strip()) else frozenset()
    for clause in clauses:
        text = normalised(clause)
        about_it = not asked or any(mentioned(a, text, names.every) for a in asked) or not names.find(text)
        # a value asked of a year (2021 年预计多少收入) is not given by a clause about another year (2019 年的收入)
        said = years(clause) or lead
        in_year = not asked_years or bool(asked_years & said) or not said
        if about_it and in_year and want.met(_without_given(question, asked, clause, names), m, names):
            return True
    return False


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # a year standing alone: 2019, not 12019


# a year asked for outright (哪一年, which year), not a time (什么时候 is answered by 一年后, 截至 3 月 too)
_ASKS_YEAR = re.compile(r"哪一?年|哪几年|\b(?:in )?(?:what|which) years?\b", re.IGNORECASE)


def asks_year(question: str) -> bool:
    """Whether ``question`` asks which year.

    >>> asks_year("中国是在哪一年加入的"), asks_year("In which year did it start?"), asks_year("什么时候启动的")
    (True, True, False)
    """
    return bool(_ASKS_YEAR.search(question))


# any year a text can give: a number before 年 (1874 年, 公元前 221 年, 二〇〇八年, 康熙三年) as well as YEAR; wider than
# YEAR (the report's 19xx/20xx, which the answer features read), and it takes a duration (三年) too: a text that
# names none cannot say which year
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|[\d〇零一二三四五六七八九十百千]\s*年")


def names_a_year(text: str) -> bool:
    """Whether ``text`` could say which year: it has a year, or a number before 年.

    >>> names_a_year("在1874年9月15日召开"), names_a_year("二〇〇八年"), names_a_year("提升了外交官衔")
    (True, True, False)
    """
    return bool(_ANY_YEAR.search(text))


@lru_cache(maxsize=4096)
def years(text: str) -> frozenset[str]:
    """The years ``text`` names (remembered: each passage is read for them by every question)."""
    return frozenset(YEAR.findall(text))


# saying that something did not happen: 没有参加, 未驻扎, 不参与, did not take part, has not yet
_NEGATION = re.compile(r"没|未(?!来)|不(?:参加|参与|愿|能|再|会|支持|同意|接受|包括|符合|存在)|拒绝|缺席"
                       r"|\bnot\b|n't\b|\bnever\b|\bfailed to\b|\brefused\b|\bdeclined\b|\b(?:stay|stayed|opted|left) out\b")


def negated(text: str) -> bool:
    """Whether ``text`` says that something did not happen (a question asking which members did not take
    part is answered by a sentence saying which did not).

    >>> negated("哪两个成员没有参加？"), negated("Which members did not take part?"), negated("未来的计划")
    (True, True, False)
    """
    return bool(_NEGATION.search(normalised(text)))


@lru_cache(maxsize=1024)
def _asked_names(question: str, names: Names) -> list[str]:
    return names.find(normalised(question))


_NO_NAMES = Names()  # one instance, so the per-question caches keyed on it stay small


@lru_cache(maxsize=1024)
def _given_numbers(question: str) -> frozenset[str]:
    return frozenset(_SPACE.sub("", n) for n in _NUMBER.findall(question))


VALUES = ("day", "month", "date", "money", "share", "count", "amount", "number")
QUANTITIES = VALUES[3:]
# a number in any form a sentence gives one: digits, Chinese numerals (五个, 三十年, 数百, 一半, 亿), or a
# proportion said in words (多数, 全部 …)
# (部分 holds 大部分; 好几 GB and 几百个 say "several")
_ANY_QUANTITY = re.compile(rf"\d|[{_NUMERAL}亿半]|多数|少数|全部|所有|部分|好几|几[十百千万亿]")
# words that hold a numeral but give no number: 一些 (some), 进一步, 统一, 一致, 之一 (one of), 万一, 十分 (very) …
_NO_NUMBER = re.compile(r"一些|一步|统一|一致|一起|一般|同一|唯一|一定|一直|一旦|一切|一贯|一道|一样|一同|一再|一体|之一"
                        r"|一方面|另一|万一|千万|十分|三思|再三|七嘴八舌|一律|一味|一向|一时|一下")


def states_a_quantity(text: str, question: str = "") -> bool:
    """Whether ``text`` gives any number at all, besides its dates, titles and the numbers ``question`` gives
    itself: a reply to 多少 / 几个 / how many that gives none does not say how many, whatever else it says
    (2019 年 is when, not how much; asked what share of the 3 000 万美元 each paid, 产生了 3 000 万美元 says
    nothing new).

    >>> [states_a_quantity(t) for t in ("在为期五天的入职培训中", "超过一半", "费用为 3.5 亿美元", "需要好几 GB", "《巴黎协定》")]
    [True, True, True, True, False]
    >>> states_a_quantity("2019 年 4 月，协调税产生了 3 000 万美元", "3000万美元中各机构分别代收了多少")
    False
    >>> states_a_quantity("在一些国家，协定仍在谈判之中；重要的是尽快完成这一步骤"), states_a_quantity("其中一些，共三个")
    (False, True)
    """
    given = _given_numbers(question)
    if given:
        text = _GIVEN.sub(lambda m: " " if _SPACE.sub("", m.group(1)) in given else m.group(0), text)
    return _ANY_QUANTITY.search(_NO_NUMBER.sub(" ", _DATE.sub(" ", _TITLE.sub(" ", text)))) is not None


# how long something lasts or took (任期几年, 推迟了多久, how many months): a span of time answers it; 多少年轻人 does not
# ask one, nor 哪几年 (which years), nor 头几个月 / 近几年 (the first or the last few: a time, not a length)
_HOW_LONG = re.compile(r"多久|多长(?:的)?时间|多少年(?!轻)|(?<![哪头前后近这那最])几(?:年|个月|天|周|个小时)|多少(?:个月|天|周|小时)"
                       r"|(?:任期|期限|时长|周期|工期|有效期)[^,，。?？]{0,6}?多长|\bhow long\b|\bhow many (?:years|months|weeks|days|hours)\b", re.IGNORECASE)
_HOW_OFTEN = re.compile(r"(?:多久|多长时间|几(?:年|个月|天|周))[^,，。?？]{0,8}?一次|\bhow often\b", re.IGNORECASE)
_FREQUENCY = re.compile(r"每|[一两二三四五六七八九十几数\d]\s*次|定期|经常|频繁|\b(?:daily|weekly|monthly|yearly|annually|every|times)\b",
                        re.IGNORECASE)


def asks_how_often(question: str) -> bool:
    """Whether ``question`` asks how often (多久更新一次, 几年举行一次, how often).

    >>> asks_how_often("之后多久更新一次"), asks_how_often("推迟了多久")
    (True, False)
    """
    return _HOW_OFTEN.search(_plain(question)) is not None


def states_a_frequency(sentence: str) -> bool:
    """Whether ``sentence`` says how often (每年两次, 每隔六个月, 定期, every week).

    >>> states_a_frequency("LaTeX 每年更新两次。"), states_a_frequency("它由 logrotate 负责。")
    (True, False)
    """
    return _FREQUENCY.search(sentence) is not None


# a span: a number and a unit of time (三年, 6 至 12 个月, 五天, 数周); a date's 2019 年 4 月 is not one
_SPAN = re.compile(r"(?:\d|[一二两三四五六七八九十百千半几数])\s*多?\s*个?\s*(?:年|月|周|星期|天|日|小时|分钟)")


_WORKS = re.compile(r"文献|参考书|书目|引用|引文|出处|哪本书|哪篇|\breferences?\b|\bbibliograph|\bcit(?:e|es|ed|ation)\b",
                    re.IGNORECASE)


def asks_for_works(question: str) -> bool:
    """Whether ``question`` asks about the works a document cites (参考了哪些文献, 出处, which book): only then may a
    bibliography's entries answer it.

    >>> asks_for_works("文中引用了哪些文献"), asks_for_works("Which reference covers fonts?"), asks_for_works("模板怎么安装")
    (True, True, False)
    """
    return _WORKS.search(question) is not None


# asks what to do about something (怎么办, 如何避免, 有没有宏包能…, how do I …)
_HOW_TO = re.compile(r"怎么办|怎么(?:处理|解决|避免|改|设置|弄|做|装|关|开)|该怎么|怎样(?:才能|解决|处理|避免)"
                     r"|如何(?:解决|处理|避免|设置|修改)|有(?:没有|什么)(?:办法|方法|宏包|命令|选项|工具)"
                     r"|\bhow (?:do|can|should) (?:i|we|you)\b|\bhow to\b|\bwhat should\b", re.IGNORECASE)
# a sentence that says what to do (可以用, 只需, 执行, 请…)
_ACTION = re.compile(r"只需|只要|可以(?:用|使用|通过|在|把|将|加|改|去)|可通过|通过使用|(?:解决|处理)(?:方法|办法)|办法是|方法是|"
                     r"应该|应当|必须|请(?:用|使用|在|把|将|运行|执行)|执行|运行|加上|改为|改成|换成|来避免|即可")


def asks_what_to_do(question: str) -> bool:
    """Whether ``question`` asks what to do about something: the answer is the remedy, which a FAQ or a manual
    often gives in the sentence after the one that states the trouble.

    >>> asks_what_to_do("汉字之间多出空格，怎么处理？"), asks_what_to_do("How do I run it?"), asks_what_to_do("谁负责？")
    (True, True, False)
    """
    return _HOW_TO.search(question) is not None


def says_what_to_do(sentence: str) -> bool:
    """Whether ``sentence`` says what to do (只需, 可以通过, 解决方法是, 执行 …), not only what goes wrong.

    >>> says_what_to_do("只需在导言区加上 cite 宏包。"), says_what_to_do("使用 hyperref 宏包时会有点问题。")
    (True, False)
    """
    return _ACTION.search(sentence) is not None


_ASKS_TITLE = re.compile(r"标题|题目|\btitle\b|\bcaption\b|\btitled\b", re.IGNORECASE)
_ASKS_NOTE = re.compile(r"注释|附注|图注|表注|的注(?![意册重入射明视])|注里|注中|\bnotes?\b", re.IGNORECASE)


def caption_asked(question: str) -> str | None:
    """What of a figure or table (Simplified) ``question`` asks for: ``"note"`` (图六的注里说…, 表 2 的附注, the note
    under figure 6: its line 注：… answers), ``"title"`` (图一的标题是什么, what is the title of: its caption answers, not
    a sentence about what the figure shows), else None.

    >>> caption_asked("图六的注里说差值代表什么"), caption_asked("what does the note under figure 6 say")
    ('note', 'note')
    >>> caption_asked("图一的标题是什么"), caption_asked("what is the title of table 2"), caption_asked("图一显示了什么")
    ('title', 'title', None)
    >>> caption_asked("要注意什么")
    """
    if _ASKS_NOTE.search(question):
        return "note"
    return "title" if _ASKS_TITLE.search(question) else None


_GAP = re.compile(r"少了多少|少多少|差多少|还差|相差|缺口|差额|短缺|不足多少|\bshortfall\b|\bgap\b|\bshort of\b", re.IGNORECASE)
_STATES_GAP = re.compile(r"缺口|差额|还需要?|相差|短缺|不足|少了|\bshortfall\b|\bgap\b")


def asks_gap(question: str) -> bool:
    """Whether ``question`` asks how far one amount falls short of another (比预算少了多少, 还差多少钱, the gap):
    the answer is the sentence that states the gap, not one that gives an amount.

    >>> asks_gap("收入比预算少了多少"), asks_gap("距离全额预算还差多少钱"), asks_gap("收入是多少")
    (True, True, False)
    """
    return _GAP.search(question) is not None


def states_gap(sentence: str) -> bool:
    """Whether ``sentence`` states a shortfall (缺口, 还需要, 相差 …).

    >>> states_gap("尚有 5 800 万美元的缺口。"), states_gap("总计 2.23 亿美元。")
    (True, False)
    """
    return _STATES_GAP.search(sentence) is not None


# 除了 A 和 B（之外），还有…: what the question already knows and sets aside (besides A and B, what else)
# (not 删除了 / 排除了: removed, ruled out; not 除此之外: besides this, which names nothing)
_BESIDES = re.compile(r"(?<![删去排消清解免拆扣剔废开根切革])除(?:了([^,，。?？]{2,30}?)(?:之外|以外|外)?|([^,，。?？]{2,30}?)(?:之外|以外|(?<![之以])外))"
                      r"[,，]?\s*(?:还|另外|其他|其它|别的|又)"
                      r"|\b(?:besides|apart from|other than)\s+([^,?]{2,40}?)(?:,|\s+(?:what|which|who|are|is|does|do)\b)",
                      re.IGNORECASE)


def set_aside(question: str) -> tuple[str, ...]:
    """What ``question`` names as already known and asks past (除了 perl 和 wget，还…; besides A, which …): the
    answer is what else, so a sentence naming only these leads to the one after it.

    >>> set_aside("除了 perl 和 wget，还建议装哪几个包？"), set_aside("除了世界旅游组织之外，还有哪个成员没有参加？")
    (('perl', 'wget'), ('世界旅游组织',))
    >>> set_aside("还建议装哪几个包？"), set_aside("删除了文件，还要做什么？"), set_aside("除此之外还有什么？")
    ((), (), ())
    >>> set_aside("除《巴黎协定》和《仙台框架》外，还列了哪个框架？")
    ('《巴黎协定》', '《仙台框架》')
    """
    m = _BESIDES.search(question)
    if not m:
        return ()
    named = next(g for g in m.groups() if g)
    items = re.split(r"\s*(?:和|与|及|以及|、|,|，|\band\b|\bor\b)\s*", named.strip())
    return tuple(i for i in (x.strip() for x in items) if len(i) >= 2 and i not in ("此", "这些", "那些", "这个", "那个"))


def asks_how_long(question: str) -> bool:
    """Whether ``question`` asks how long something lasts or took (not within a set it picks from: 头几个月的例子里…
    哪个机构 asks which body).

    >>> asks_how_long("驻地协调员的任期是几年"), asks_how_long("推迟了多久"), asks_how_long("多少年轻人参加")
    (True, True, False)
    >>> asks_how_long("一个国家的任期通常是多长"), asks_how_long("这条河有多长")
    (True, False)
    >>> asks_how_long("头几个月的例子里，是从哪个机构过渡的"), asks_how_long("头几个月的成果例子提到哪个机构")
    (False, False)

    How often (多久更新一次, 几年举行一次, how often) is a frequency, not a span: 每年两次 answers it.

    >>> asks_how_long("之后多久更新一次"), asks_how_long("会议几年举行一次"), asks_how_long("how often is it updated")
    (False, False, False)
    """
    return _HOW_LONG.search(_plain(question)) is not None and not asks_how_often(question)


# units of measure a "多少 / 几 + unit" question asks in, each with the forms a text may give it in
_MEASURES = {"学分": "学分", "厘米": "厘米|公分|cm", "毫米": "毫米|mm", "公里": "公里|千米|km", "英寸": "英寸|inch|in",
             "磅": "磅|pt", "像素": "像素|px|pixels?", "gb": "gb|g", "mb": "mb|m", "kb": "kb|k", "tb": "tb|t",
             "页": "页", "字": "字", "学时": "学时|课时"}
# (a one-character unit or a Latin one ends there: 多少字母 asks no number of 字, 多少 gbit no number of GB;
# 好几页, 十几页 say "several pages", asking nothing)
_UNIT_ASKED = re.compile(r"(?:多少|(?<![好十没])几)\s*(?:(" + "|".join(u for u in _MEASURES if len(u) > 1 and not u.isascii()) +
                         r")|(" + "|".join(u for u in _MEASURES if len(u) == 1 or u.isascii()) + r")(?![\u4e00-\u9fffa-z]))")


def unit_asked(question: str) -> str | None:
    """The unit of measure ``question`` asks a number in (多少学分, 几厘米, 多少 GB), else None; a count of things
    (多少个, 几名) is no unit of measure.

    >>> unit_asked("选修课设置多少学分？"), unit_asked("完整安装需要多少 GB 的空间"), unit_asked("有多少个核心职位")
    ('学分', 'gb', None)
    >>> unit_asked("一共有几页"), unit_asked("多少字母"), unit_asked("页边距是几厘米呢"), unit_asked("表格要跨好几页")
    ('页', None, '厘米', None)
    """
    m = _UNIT_ASKED.search(normalised(question))
    return (m.group(1) or m.group(2)) if m else None


def states_in(unit: str, text: str) -> bool:
    """Whether ``text`` gives a number in ``unit`` (a ``unit_asked``), in any of its forms: 2.5 厘米 and 2.5cm alike.

    >>> states_in("厘米", "上下边距各 2.5cm。"), states_in("学分", "开设选修课。"), states_in("gb", "需要约 7 GB 空间")
    (True, False, True)
    """
    return re.search(r"\d\s*(?:" + _MEASURES[unit] + r")(?![a-z])", normalised(text)) is not None


def states_a_sum(text: str) -> bool:
    """Whether ``text`` gives a sum of money: a reply to how much money (工资是多少, 预算多少) that gives none, only
    a count or a share, does not say how much.

    >>> [states_a_sum(t) for t in ("总额为 1.18 亿美元", "收入 100 万人民币", "招聘了 25 名驻地协调员", "增加了 39%")]
    [True, True, False, False]
    """
    return _MONEY.search(text) is not None


def states_a_span(text: str) -> bool:
    """Whether ``text`` gives a span of time, a date aside: a reply to how long that gives none does not say.

    >>> [states_a_span(t) for t in ("提前 6 至 12 个月发布", "为期五天", "2019 年 4 月发起", "有五个核心职位")]
    [True, True, False, False]
    """
    return _SPAN.search(_DATE.sub(" ", text)) is not None


_COUNTED_THINGS = re.compile(rf"(\d+|[{_NUMERAL}]+)\s*[{_UNITS}]")  # 12 个, 三个, 两项: how many things there are
_ENUMERATES = re.compile(r"[、；;•·]|（[一二三四五六七八九十\d]+）|\(\w\)|\b\d\.\s|和|及|与|以及|或")


def only_counts_them(question: str, answer: str) -> bool:
    """Whether ``answer``, to a question asking which of a number of things it names (那 12 个机构具体是哪些, the
    three sources), only says how many there are: it gives the question's count and names no items (no 、, no
    和, no numbered points). It does not say which.

    >>> only_counts_them("那 12 个机构具体是哪些", "国家工作队包括 12 个在当地没有实际驻扎的机构。")
    True
    >>> only_counts_them("那 12 个机构具体是哪些", "12 个机构：粮农组织、劳工组织和教科文组织。")
    False
    >>> only_counts_them("有哪些机构", "包括 12 个机构。")  # no count asked of
    False
    """
    counts = {_SPACE.sub("", m.group(1)) for m in _COUNTED_THINGS.finditer(question)}
    said = {_SPACE.sub("", m.group(1)) for m in _COUNTED_THINGS.finditer(answer)}
    return bool(counts & said) and _ENUMERATES.search(answer) is None


# (a manual's 初始值, a key's initial value, is its default: 初始值 = 0.4pt)
_ASKS_DEFAULT = re.compile(r"默认|缺省|预设|預設|初始值|\bby default\b|\bdefault\b", re.IGNORECASE)
_STATES_DEFAULT = re.compile(r"(?:默认|缺省|预设|初始)(?:值|设置)?\s*(?:为|是|：|:|=|设为|设置为|使用)|(?:默认|缺省)(?:情况|状态)下"
                             r"|\bdefaults? (?:is|to)\b|\bby default\b", re.IGNORECASE)


def asks_default(question: str) -> bool:
    """Whether ``question`` asks what something is by default (默认, 缺省, 預設, by default): a manual states it in a
    sentence of its own (……的标签内容。默认为 解答), which is the answer.

    >>> asks_default("解答环境开头默认显示什么"), asks_default("密封線的文字預設內容係乜嘢"), asks_default("怎么修改标签")
    (True, True, False)
    """
    return _ASKS_DEFAULT.search(question) is not None


def states_default(text: str) -> bool:
    """Whether ``text`` states a default (默认为 4, 缺省是 UTF8, 默认值为 _student_version, defaults to 4).

    >>> states_default("选项的最大列数。"), states_default("默认为 4 。"), states_default("缺省状态下，0 映射为〇")
    (False, True, True)
    >>> states_default("初始值 = 0.4pt"), states_default("设置边框线宽。")
    (True, False)
    """
    return _STATES_DEFAULT.search(text) is not None


_CLAUSE = re.compile(r"[，；。,;]")
_NUMBER = re.compile(rf"\d[\d\s,.]*\d|\d|[{_NUMERAL}]+(?=\s*[{_UNITS}])")
_GIVEN = re.compile(rf"({_NUMBER.pattern})(?:\s*[万亿])?")  # a number with its 万 or 亿 (3 000 万)


_SPACE = re.compile(r"\s")
_TITLE = re.compile(r"《[^《》]*》")  # 《2030 年议程》 is a title: its 2030 is no date or amount


def _without_given(question: str, asked: tuple[str, ...], sentence: str, names: Names) -> str:
    """``sentence`` less titles (《…》) and the numbers and names the question itself gives.

    Asked "112 个国家办事处中有多少个…", the 112 in the answer is no answer;
    asked "在危地马拉，哪个国家…", 危地马拉 is not the country sought.
    """
    given = _given_numbers(question)  # once per question, not once per sentence
    out = _TITLE.sub("《》", sentence) if "《" in sentence else sentence
    if given:
        out = _NUMBER.sub(lambda m: " " if _SPACE.sub("", m.group(0)) in given else m.group(0), out)
    latin = _given_latin(question)
    if latin:  # the Latin words it gives (TEXMFLOCAL 里…用什么命令: TEXMFLOCAL is no command asked for)
        out = _LATIN.sub(lambda m: " " if m.group(0).lower() in latin else m.group(0), out)
    for name in asked:
        for alias in names.every.get(name, (name,)):
            out = out.replace(alias, " ")
    return out


_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*")


@lru_cache(maxsize=1024)
def _given_latin(question: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _LATIN.findall(question))


QUESTION_CHARS = set("多少什么哪几吗呢谁怎何是的了有在和与及或为对其这那个些么如否请问呀吧啊中")
_THING_IS = r"([\u4e00-\u9fff]{2,6}?)(?:是|为|共|达到|约"  # the thing before 是多少, 为多少 …, open for more verbs
_NOUN_BEFORE = re.compile(_THING_IS + r")多少")  # 总访问量是多少


# the kind of number asked for (比例是多少), not the thing it is about
_VALUE_WORDS = re.compile(r"具体|百分比|比例|比率|数额|金额|数量|数目|人数|总额|总数|数字|份额|规模")


_COUNTED = re.compile(rf"(?:多少|(?<!哪)几)\s*[{_UNITS}]?\s*([\u4e00-\u9fff]{{2,3}})")


def counted(question: str) -> str | None:
    """The thing a "多少/几 + measure word + thing" question counts: 帮多少个新生儿上了户口 -> 新生儿.

    >>> counted("最后帮多少个新生儿上了户口"), counted("有多少比例"), counted("一共几家")
    ('新生儿', None, None)
    """
    m = _COUNTED.search(normalised(question))
    return _thing(m.group(1)) if m else None


_HOW_MANY = re.compile(r"\bhow\s+many\s+(?:of\s+the\s+)?([a-z][a-z' -]*?)(?=\s+(?:did|do|does|were|was|have|has|had|are|"
                       r"is|will|would|could|can|in|on|at|by|for|with|from|of|under|went|got|took|received)\b|[?,.;]|$)",
                       re.I)


def counted_english(question: str, glossary: dict[str, str]) -> str | None:
    """The thing an English "how many X" question counts, in the report's Chinese, when X is a term of the
    lexicon's ``glossary`` (``qa.lang.tokenize.expand_english``): how many country teams … -> 国家工作队.

    >>> from qa.lang.lexicon import Lexicon
    >>> un = Lexicon.load("un").glossary
    >>> counted_english("So how many UN country teams took part?", un), counted_english("How many people came?", un)
    ('国家工作队', None)
    """
    m = _HOW_MANY.search(question)
    if not m:
        return None
    chinese = expand_english(m.group(1), glossary)[len(m.group(1)):].split()
    return chinese[0] if chinese and len(chinese[0]) >= 2 else None


# what actually came in or happened (实际收到), not what was expected of it
_ACTUAL = re.compile(r"实际|到位|\bactual|\bin fact\b|\breally\b", re.I)
_FORECAST = re.compile(r"(?:预计|预期|估计|预测|计划|预算)[^，。；,;\d]{0,8}$")  # ends right before a number
_AMOUNT = re.compile(r"\d[\d.,]*(?:\s\d{3})*(\s*[年月日])?")  # a number, and the date unit after it


def asks_actual(question: str) -> bool:
    """Whether ``question`` asks what actually happened or came in (实际, 到位, actually).

    >>> asks_actual("实际收到的捐款有多少"), asks_actual("How much was actually received?"), asks_actual("收入多少")
    (True, True, False)
    """
    return bool(_ACTUAL.search(normalised(question)))


# a percentage given as a change (增加了 39%, 下降了约 5%), not as a share of a group
_CHANGE = re.compile(r"(?:增加|增长|减少|下降|提高|降低|上升|上涨|下跌|增|减)了?\s*(?:约|近|超过|逾|将近)?\s*$")
_ASKS_CHANGE = re.compile(r"增加|增长|减少|下降|提高|降低|上升|上涨|下跌|变化|幅度|增幅|降幅|涨|跌"
                          r"|\b(?:increase|grow|grew|growth|rise|rose|fall|fell|decrease|decline|drop|change)", re.I)


def asks_change(question: str) -> bool:
    """Whether ``question`` asks by how much something changed (增长了百分之几, how much did it grow).

    >>> asks_change("联合方案增长了百分之几"), asks_change("多大比例的合作框架有性别成果")
    (True, False)
    """
    return bool(_ASKS_CHANGE.search(question))


def change_only(sentence: str) -> bool:
    """Whether every percentage ``sentence`` gives is a change (增加了 39%): a rate of growth, not the share
    of a group that a question asking 多大比例 wants.

    >>> change_only("2019 年，相关联合方案增加了 39%。"), change_only("2019 年，72%的合作框架有性别成果。")
    (True, False)
    >>> change_only("报告增长了 6%，其中 40%来自外部。"), change_only("没有百分比。")
    (False, False)
    """
    shares = percents(normalised(sentence))
    return bool(shares) and all(change for _, change in shares)


def percents(norm: str) -> list[tuple[str, bool]]:
    """Each percentage of normalised ``norm``, and whether it is given as a change (增加了 39%).

    >>> percents("增加了 39%，其中 40%来自外部")
    [('39%', True), ('40%', False)]
    """
    return [(m.group(0), bool(_CHANGE.search(norm[max(0, m.start() - 8):m.start()]))) for m in _PERCENT.finditer(norm)]


def forecast(sentence: str) -> bool:
    """Whether every number ``sentence`` gives is a forecast (预计 … 2.81 亿美元): it says nothing actual.

    >>> forecast("这大大低于 2019 年预计的 2.81 亿美元收入。"), forecast("协调税产生了 3 000 万美元。")
    (True, False)
    >>> forecast("从预计 399 名本国干事中聘用了 311 名。")
    False
    """
    text = normalised(sentence)
    if "实际" in text:
        return False
    amounts = [ahead for _, _, date, ahead in numbers(text) if not date]  # a date's numbers are no amounts
    return bool(amounts) and all(amounts)


# what a number is given in, right after it: 亿美元, 名, %, 年
_UNIT_AFTER = re.compile(r"\s*(多?\s*[十百千万亿]*\s*(?:美元|欧元|瑞士法郎|英镑|日元|元|人次|平方米|公里|千米|公斤|千克|吨"
                         rf"|[%％]|[年月日岁天倍]|[{_UNITS}]))")


def numbers(norm: str) -> list[tuple[str, str, bool, bool]]:
    """Each number of normalised ``norm``: ``(number, unit, whether it is part of a date, whether a forecast word
    stands right before it)``.

    >>> numbers("2019 年预计的 2.81 亿美元和 311 名")
    [('2019', '年', True, False), ('2.81', '亿美元', False, True), ('311', '名', False, False)]
    """
    out = []
    for m in _AMOUNT.finditer(norm):
        date = m.group(1)
        unit = date.strip() if date else (u.group(1).replace(" ", "") if (u := _UNIT_AFTER.match(norm, m.end())) else "")
        number = m.group(0)[:m.start(1) - m.start()] if date else m.group(0)
        out.append((number.strip(), unit, bool(date), bool(_FORECAST.search(norm[max(0, m.start() - 10):m.start()]))))
    return out


_SUPERLATIVE = re.compile(r"最[多少高低大小]|\b(?:most|highest|largest|biggest|lowest|least|fewest|smallest)\b", re.I)


def compares(question: str) -> bool:
    """Whether ``question`` asks which is the most or least (哪类最多, which is highest): only the values
    tell, so a chart whose values are lost cannot answer it.

    >>> compares("哪一类伙伴关系最多"), compares("Which type is the largest?"), compares("图八显示了什么")
    (True, True, False)
    """
    return bool(_SUPERLATIVE.search(normalised(question)))


def counted_in(thing: str | None, sentence: str, whole: bool = False) -> bool:
    """Whether ``sentence`` names the counted ``thing`` (shares a bigram with it; ``whole``: holds all of it)."""
    return names_thing(thing, normalised(sentence), whole)


def names_thing(thing: str | None, norm: str, whole: bool = False) -> bool:
    """``counted_in`` of a sentence already normalised."""
    return thing is not None and (thing in norm if whole else _shares_bigram(thing, norm))


_COUNT_OF = re.compile(rf"(?:\d[\d\s,.]*|[{_NUMERAL}]+)\s*[十百千万亿]?\s*多?\s*[{_UNITS}]?([^，。；,;:：()（）%％]{{0,16}})")


def count_of(thing: str | None, sentence: str, whole: bool = False) -> bool:
    """Whether ``sentence`` gives a number of the counted ``thing``: the thing follows the number closely
    (shares a bigram with what follows it; ``whole``: all of the thing does, for a term taken from the
    glossary, which the report writes as it is).

    >>> count_of("工作人", "聘请 196名国际驻地协调员办公室工作人员。"), count_of("工作人", "66%是女性，包括 47 个国家。")
    (True, False)
    >>> count_of("国家工作队", "58 名工作人员接受了培训"), count_of("国家工作队", "58 名工作人员接受了培训", whole=True)
    (True, False)
    """
    return counts(thing, counted_words(normalised(sentence)), whole)


def counted_words(norm: str) -> list[str]:
    """What follows each number of normalised ``norm`` up to the clause's end: what it may count.

    >>> counted_words("聘请 196名国际工作人员，来自 47 个国家")
    ['国际工作人员', '国家']
    """
    return [m.group(1) for m in _COUNT_OF.finditer(norm)]


def counts(thing: str | None, words: list[str] | tuple[str, ...], whole: bool = False) -> bool:
    """Whether one of ``words`` (``counted_words``) names the counted ``thing`` (``count_of``)."""
    return thing is not None and any((thing in w) if whole else _named(thing, w) for w in words)


def _thing(words: str) -> str | None:
    """``words`` less question characters and value words (比例, 金额 …), if two or more characters are left."""
    thing = _VALUE_WORDS.sub("", "".join(ch for ch in words if ch not in QUESTION_CHARS))
    return thing if len(thing) >= 2 else None


def _named(thing: str, text: str) -> bool:
    """Whether ``text`` shares a bigram with ``thing``."""
    return _shares_bigram(thing, normalised(text))


def _shares_bigram(thing: str, norm: str) -> bool:
    return any(thing[i:i + 2] in norm for i in range(len(thing) - 1))


def asked_noun(question: str) -> str | None:
    """What a "X 是多少" question asks about: 网站的总访问量是多少 -> 网站总访问量.

    Only the copula form names the thing itself; in "带来了多少收入" or "隔了多少年"
    the words around 多少 are as often the question's own paraphrase.
    """
    m = _NOUN_BEFORE.search(normalised(question))
    return _thing(m.group(1)) if m else None


def asked_noun_found(question: str, passage: str) -> bool | None:
    """Whether what a "X 是多少" question asks about (``asked_noun``) shares a bigram with ``passage``; None if none.

    >>> asked_noun_found("网站的总访问量是多少", "50 个网站活跃着。"), asked_noun_found("有多少核心职位", "五个核心职位。")
    (False, None)
    """
    noun = asked_noun(question)
    return None if noun is None else _named(noun, passage)


# words around the thing a "X 是多少" question names that are not the thing: a total's words, a leading year's tail
_NOT_THING = re.compile(r"^[年月]|(?:一共|总共|合计|加起来|分别|各|到底|确切|大概|具体|一|总)+$")
# a thing that is an amount of money: a fee, rent, fund, sum, budget, spending, income, cost (印刷费, 房租, 预算); or
# a measured amount (访问量, 排放量, 产量): a count of other things (50 个网站) is not how much of it there was
_AMOUNT_THING = re.compile(r"(?:费|租|金|款|额|资|预算|支出|收入|成本|开支|捐助|量)$")
# the thing before 多少, asked what it is or what was spent on it (差旅费是多少, 差旅费花了多少), or a fee after it, closing
# the question (交多少会费): a word for money in general after 多少 (多少资金, 多少收入) is the kind of value asked, which
# an answer need not repeat (产生了 3 000 万美元)
_AMOUNT_BEFORE = re.compile(_THING_IS + r"|花了|花费了?|用了|用掉了?|耗费了?)多少")
_FEE = re.compile(r"(?<!经)费$")  # 会费, 差旅费, 印刷费; not 经费, 费用
_AMOUNT_AFTER = re.compile(r"多少(?:美元|钱)?的?([\u4e00-\u9fff]{2,4}?)(?:[？?。！!]|$)")


def amount_named(question: str, want: str | None, text: str) -> bool | None:
    """Whether ``text`` names the thing whose amount a "X 是多少" question asks (``want`` "money", or any
    quantity of a thing that is money or a measured amount: 印刷费, 房租, 访问量); None if it asks no such thing.

    The thing is the noun before 是多少 (or 花了多少, 用了多少: what was spent on it), but only what follows the last 的
    (系统的印刷费: 印刷费) and less the words of a total or a year around it (2019 年一共多少钱 names nothing); failing
    that, a fee that closes the question after 多少 (交多少会费).

    >>> amount_named("2019 年差旅费实际支出是多少", "money", "驻地协调员系统的收入为 2.23 亿美元。")
    False
    >>> amount_named("驻地协调员系统的印刷费是多少", "number", "驻地协调员系统的收入为 2.23 亿美元。")
    False
    >>> amount_named("三条渠道加起来 2019 年一共多少钱", "money", "总计 2.23 亿美元。"), amount_named("预算是多少", "money", "预算 3 亿美元")
    (None, True)
    >>> amount_named("网站的总访问量是多少", "number", "50 个网站活跃着。")  # a count of sites is no 访问量
    False
    >>> amount_named("决议的编号是多少", "number", "第 72/279 号决议")  # not money: 编号 is read as it is written
    >>> amount_named("差旅费花了多少", "money", "收入为 2.23 亿美元。"), amount_named("每年要交多少会费？", "money", "收入为 2.23 亿美元")
    (False, False)
    >>> amount_named("协调税带来了多少收入", "money", "协调税产生了 3 000 万美元。"), amount_named("要装多少宏包？", "amount", "装了 3 个")
    (None, None)
    """
    norm = normalised(question)
    m = _AMOUNT_BEFORE.search(norm) if want in QUANTITIES else None
    noun = _thing(m.group(1).rsplit("的", 1)[-1]) if m else None
    thing = _NOT_THING.sub("", _NOT_THING.sub("", noun)) if noun else ""
    if len(thing) < 2 and want in QUANTITIES and (after := _AMOUNT_AFTER.search(norm)):
        thing = _thing(after.group(1)) or ""
        thing = thing if _FEE.search(thing) else ""
    if len(thing) < 2 or want != "money" and not _AMOUNT_THING.search(thing):
        return None
    return _named(thing, text)


_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+[次轮届期]|首[次轮届期]")
_EN_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth)\s+(?:call|round|session|time|meeting|report)", re.I)  # as 次轮届期: a first year is no ordinal
_EN_NUMBER = {"first": "一", "second": "二", "third": "三", "fourth": "四", "fifth": "五"}


def ordinals(text: str) -> frozenset[str]:
    """Ordinals in ``text`` (the Nth call, round, session): 首 is 第一, and 次, 轮, 届, 期 alike
    (remembered: each passage is read for them by every question that retrieves it).

    >>> sorted(ordinals("首次征集和第二轮")), sorted(ordinals("the second call for proposals"))
    (['第一', '第二'], ['第二'])
    """
    found = {m.group(0).replace("首", "第一")[:-1] for m in _ORDINAL.finditer(text)}
    return frozenset(found | {"第" + _EN_NUMBER[m.group(1).lower()] for m in _EN_ORDINAL.finditer(text)})
