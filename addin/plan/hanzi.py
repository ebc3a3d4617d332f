"""Traditional-script plans read with the simplified-script rules.

Plans copied from mirror sites arrive in traditional script (牽頭單位：…；責任單位：…,
工作計劃). Every rule of the outline and of the unit notes is written in simplified
script, so they read a *shadow* of the text: the same text with each traditional
character replaced by its simplified form. The map is one character to one
character, so every offset found in the shadow is an offset in the original, and
what is cut out (a unit name, a task's text) keeps the script the plan was written in.

Hand-written rather than a converter library: OpenCC and its kin convert phrase by
phrase and may change the length of the text, which would break the offsets; the
characters that matter here are the few hundred of official documents.
"""

from __future__ import annotations

# Pairs of (traditional, simplified) strings of equal length, grouped loosely by topic.
_PAIRS = (
    ("單責牽頭協辦參與負職務機關構門處織組會員當際實現","单责牵头协办参与负职务机关构门处织组会员当际实现"),
    ("縣鄉鎮區廳學衛營環劃審計務廠莊龍農業發貿經濟醫療","县乡镇区厅学卫营环划审计务厂庄龙农业发贸经济医疗"),
    ("點見畫單時間節週內後屆歷階準確認識論證據條規範標","点见画单时间节周内后届历阶准确认识论证据条规范标"),
    ("開關聯絡聽說話讀寫語調這邊過還進運達適選邏輯遞","开关联络听说话读写语调这边过还进运达适选逻辑递"),
    ("應該須嚴執監督導領傳統籌礎設創興優勢產權資源稅費","应该须严执监督导领传统筹础设创兴优势产权资源税费"),
    ("網站電腦數據庫檔案報紙廣場戶徑雙體輕",
     "网站电脑数据库档案报纸广场户径双体轻"),
    ("級層對應準則維護決策議題問題類別屬於從業財產價",
     "级层对应准则维护决策议题问题类别属于从业财产价"),
    ("將與為來們個舉辦盡態勢幣貫徹執轉變狀況災險災難",
     "将与为来们个举办尽态势币贯彻执转变状况灾险灾难"),
    ("並專項屬動態積極處置復雜結構記錄熱點關切迴覆響",
     "并专项属动态积极处置复杂结构记录热点关切回复响"),
    ("備檢驗測試權責許證照聲譽戰爭標誌紀律幹線團隊認",
     "备检验测试权责许证照声誉战争标志纪律干线团队认"),
    ("壓減釋歸稱鏈條遠離環節觀察護養畢業處級廣東勞動",
     "压减释归称链条远离环节观察护养毕业处级广东劳动"),
    ("黨員幹部羣眾衆務實風氣誠隱蔽選舉議會稱號獎勵懲",
     "党员干部群众众务实风气诚隐蔽选举议会称号奖励惩"),
    ("訂購買賣質量種類歡樂圖書館藝術體驗濟貸擔保險",
     "订购买卖质量种类欢乐图书馆艺术体验济贷担保险"),
    ("鐵路橋樑車輛駕駛場館氣象華僑僑辦聯繫綫線務",
     "铁路桥梁车辆驾驶场馆气象华侨侨办联系线线务"),
    ("號紅綠燈稅務庫藏證書複雜資訊訊息計畫營運優化",
     "号红绿灯税务库藏证书复杂资讯讯息计画营运优化"),
    ("於與這樣幾點兩條讓給頁題額顯區縣",
     "于与这样几点两条让给页题额显区县"),
    ("編總範圍壞擴據獲證況藥廢棄遷隨歲雜飛愛習繼續訪預決義覈聞樂佈長綜訊專園診",
     "编总范围坏扩据获证况药废弃迁随岁杂飞爱习继续访预决义核闻乐布长综讯专园诊"),
    ("臺灣對們創電問類結應讀劑濱圓頓禮鄰陽潔淨彙匯紐約縮濕",
     "台湾对们创电问类结应读剂滨圆顿礼邻阳洁净汇汇纽约缩湿"),
    ("別則細綱請簡陸廣島訴訟償賠補貼優惠稱職慮萬億飲處罰違規範圍",
     "别则细纲请简陆广岛诉讼偿赔补贴优惠称职虑万亿饮处罚违规范围"),
)
_TABLE = {}
for _traditional, _simplified in _PAIRS:
    assert len(_traditional) == len(_simplified), _traditional
    _TABLE.update({ord(t): s for t, s in zip(_traditional, _simplified, strict=True) if t != s})


def simplified(text: str) -> str:
    """``text`` with traditional characters replaced by their simplified forms, same length."""
    return text.translate(_TABLE)


def original_slice(original: str, shadow: str, piece: str) -> str:
    """The part of ``original`` that ``piece`` (found in ``shadow``) was cut from, else ``piece``."""
    at = shadow.find(piece)
    return original[at : at + len(piece)] if at >= 0 and original is not shadow else piece
