"""Labels in the languages of the book's editions: English, Chinese (深度学习入门)
and Japanese (ゼロから作るDeep Learning), with each edition's own terms.

``_(english, **fields)`` gives the current language's text; the English text
is the key, so a label missing from the catalog shows in English (a test
checks that none is missing). The engine's messages (load errors) stay English.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "ja")
_current = "en"


def set_language(code: str) -> None:
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"unknown language code {code!r}: choose {', '.join(LANGUAGES)}")
    _current = code


def language() -> str:
    return _current


def _(english: str, /, **fields) -> str:
    text = CATALOG.get(english, {}).get(_current, english) if _current != "en" else english
    return text.format(**fields) if fields else text


def layer_name(type_: str) -> str:
    """A layer type as the current edition names it (Mul: 乘法层, 乗算レイヤ)."""
    return LAYER_NAMES[type_][LANGUAGES.index(_current)]


LAYER_NAMES = {
    "Mul": ("Mul", "乘法层", "乗算レイヤ"),
    "Add": ("Add", "加法层", "加算レイヤ"),
    "Relu": ("Relu", "ReLU层", "ReLUレイヤ"),
    "Sigmoid": ("Sigmoid", "Sigmoid层", "Sigmoidレイヤ"),
    "Exp": ("Exp", "exp节点", "expノード"),
    "Reciprocal": ("Reciprocal", "“/”节点", "「/」ノード"),
    "Affine": ("Affine", "Affine层", "Affineレイヤ"),
    "SoftmaxWithLoss": ("SoftmaxWithLoss", "Softmax-with-Loss层", "Softmax-with-Lossレイヤ"),
}


def _entries(rows: list[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    return {en: {"zh": zh, "ja": ja} for en, zh, ja in rows}


CATALOG = _entries([
    # phases and the status line
    ("forward", "正向传播", "順伝播"),
    ("backward", "反向传播", "逆伝播"),
    ("done", "完成", "完了"),
    ("start", "开始", "開始"),
    ("step {k}/{n}", "第 {k}/{n} 步", "ステップ {k}/{n}"),
    ("n: {phase} through {layer}", "n：{layer} 的{phase}", "n：{layer} の{phase}"),
    ("p steps back, home starts over", "p 后退一步，home 从头开始", "p で一つ戻る、home で最初から"),
    ("full precision", "全精度", "全精度"),
    ("edited (s saves)", "已修改（s 保存）", "編集済み（s で保存）"),
    ("quiz {right}/{asked}", "测验 {right}/{asked}", "クイズ {right}/{asked}"),
    ("No scenario open. Press o to open one, q to quit.",
     "没有打开的场景。按 o 打开，按 q 退出。", "シナリオが開かれていません。o で開く、q で終了。"),
    ("Press n, → or space to run the first layer forward.",
     "按 n、→ 或空格，对第一层做正向传播。", "n、→ またはスペースで最初のレイヤを順伝播。"),
    ("graph", "计算图", "計算グラフ"),
    ("step", "步骤", "ステップ"),
    ("values", "值", "値"),
    # footer
    ("Next", "下一步", "次へ"),
    ("Prev", "上一步", "前へ"),
    ("Start", "开头", "最初"),
    ("End", "结尾", "最後"),
    ("Help", "帮助", "ヘルプ"),
    ("Quit", "退出", "終了"),
    ("Full", "全精度", "全精度"),
    ("Check", "梯度确认", "勾配確認"),
    ("Nudge", "微调", "微小変化"),
    ("Quiz", "测验", "クイズ"),
    ("Edit", "编辑", "編集"),
    ("Train", "学习", "学習"),
    ("Open", "打开", "開く"),
    ("Reload", "重新载入", "再読み込み"),
    ("Save", "保存", "保存"),
    ("Export", "导出", "書き出し"),
    ("Language", "语言", "言語"),
    # step panel
    ("Step {k}/{n} · {phase} · {name} ({type})", "第 {k}/{n} 步 · {phase} · {name}（{type}）",
     "ステップ {k}/{n} · {phase} · {name}（{type}）"),
    ("inputs", "输入", "入力"),
    ("output", "输出", "出力"),
    ("name", "名称", "名前"),
    ("shape", "形状", "形状"),
    ("value", "值", "値"),
    ("gradient", "梯度", "勾配"),
    ("value / gradient", "值 / 梯度", "値 / 勾配"),
    ("grad", "梯度", "勾配"),
    ("scalar", "标量", "スカラー"),
    (" (const)", "（常量）", "（定数）"),
    (" partial: more to come", " 部分：还有分支要到", " 部分的：まだ届く"),
    ("shapes: ", "形状：", "形状："),
    ("mask = (x <= 0), kept for backward; highlighted: True",
     "mask = (x <= 0)，保存下来供反向传播使用；高亮：True",
     "mask = (x <= 0)、逆伝播のために保持；強調：True"),
    ("No gradient reaches {output}: it does not lead to the final output, so nothing flows "
     "back through {layer}.",
     "没有梯度到达 {output}：它不通向最终输出，所以没有梯度经 {layer} 反向传播。",
     "{output} に勾配は届きません：最終出力につながらないので、{layer} を逆に流れるものはありません。"),
    ("local rule: ", "局部规则：", "局所的な規則："),
    ("chain rule, L = the final output:", "链式法则，L = 最终输出：", "連鎖律、L = 最終出力："),
    ("dout (before mask)", "dout（mask 之前）", "dout（mask の前）"),
    ("dx (after mask)", "dx（mask 之后）", "dx（mask の後）"),
    ("highlighted: mask True (x <= 0), where the gradient dies",
     "高亮：mask 为 True（x <= 0），梯度在此消失", "強調：mask が True（x <= 0）、そこで勾配は消える"),
    ("upstream gradient", "上游梯度", "上流の勾配"),
    ("gradients to the inputs", "传给输入的梯度", "入力への勾配"),
    ("no gradient for {names}: constant", "{names} 没有梯度：常量", "{names} には勾配なし：定数"),
    ("Σ over the batch rows of", "对批中各行求和：", "バッチの行について和："),
    ("summed back to {shape}", "求和还原为 {shape}", "和をとって {shape} に戻す"),
    ("fan-out: ", "分支：", "分岐："),
    ("{d} gets its first part here", "{d} 在这里得到第一部分", "{d} はここで最初の分を受け取る"),
    (" (partial: more branches to come)", "（部分：还有分支要到）", "（部分的：まだ別の分岐から届く）"),
    (" (complete)", "（完整）", "（完了）"),
    (" (this branch's part)", "（本分支的部分）", "（この分岐の分）"),
    (" (so far) + ", "（目前）+ ", "（これまで）+ "),
    (" (this branch) = ", "（本分支）= ", "（この分岐）= "),
    (" (this layer, one part per use) = ", "（本层，每次使用一部分）= ", "（このレイヤ、使うごとに一つ分）= "),
    ("{d} = the sum so far + this branch's part {shape}", "{d} = 目前的和 + 本分支的部分 {shape}",
     "{d} = これまでの和 + この分岐の分 {shape}"),
    ("fused vs decomposed: ", "整体 vs 分解：", "まとめた版 vs 分解した版："),
    ("; through ×(−1), exp, +1, 1/x = ", "；经过 ×(−1)、exp、+1、1/x = ", "；×(−1)、exp、+1、1/x を通すと "),
    ("; max difference {diff}", "；最大差 {diff}", "；最大の差 {diff}"),
    (" (they agree to the last bits)", "（一致到最后几位）", "（最後の数ビットまで一致）"),
    # the layers' rules (the engine writes them in English)
    ("dx = dout where x > 0, else 0", "x > 0 处 dx = dout，否则为 0", "x > 0 のところ dx = dout、それ以外は 0"),
    ("0 where x <= 0, else 1", "x <= 0 处为 0，否则为 1", "x <= 0 では 0、それ以外は 1"),
    ("dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY (over the batch axis)",
     "dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY（沿批的轴）", "dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ dY（バッチの軸で）"),
    # the values table and the gradient check
    ("backprop", "误差反向传播", "誤差逆伝播"),
    ("numeric", "数值微分", "数値微分"),
    ("entries", "元素", "要素"),
    ("max abs diff", "最大绝对误差", "最大絶対誤差"),
    ("max rel error", "最大相对误差", "最大相対誤差"),
    ("result", "结果", "結果"),
    ("{k} of {n}", "{n} 中 {k} 个", "{n} 個中 {k} 個"),
    ("all", "全部", "すべて"),
    ("ok", "通过", "OK"),
    ("FAIL", "失败", "失敗"),
    # the command line's reports
    ("all values and gradients", "全部的值和梯度", "すべての値と勾配"),
    ("gradient check: backprop vs central difference (h = {h}; arrays over {n} entries: a fixed sample)",
     "梯度确认：误差反向传播 vs 中心差分（h = {h}；超过 {n} 个元素的数组：固定抽样）",
     "勾配確認：誤差逆伝播 vs 中心差分（h = {h}；{n} 要素を超える配列は固定の標本）"),
    ("no [values] to check", "没有要确认的 [values]", "確認する [values] がありません"),
    ("key", "键", "キー"),
    ("expected", "预期", "期待値"),
    ("actual", "实际", "実際"),
    ("no gradient", "没有梯度", "勾配なし"),
    ("FAILED: {names}", "失败：{names}", "失敗：{names}"),
    ("all {n} checks passed", "全部 {n} 项确认通过", "{n} 件の確認すべて合格"),
    ("gradient descent: {n} steps, lr = {lr}", "梯度下降法：{n} 步，学习率 lr = {lr}",
     "勾配降下法：{n} ステップ、学習率 lr = {lr}"),
    ("loss ({name})", "损失（{name}）", "損失（{name}）"),
    ("the loss ran off to inf or nan: try a lower [train] lr (a loss without a minimum, "
     "such as a price, runs off at any lr)",
     "损失变成了 inf 或 nan：试试更小的 [train] lr（没有最小值的损失，比如价格，无论 lr 多小都会发散）", "損失が inf または nan になりました：[train] lr を下げてみてください（価格のように最小値のない損失は、どの lr でも発散します）"),
    # the app's messages
    ("Why 220.00000000000003?", "为什么是 220.00000000000003？", "なぜ 220.00000000000003？"),
    ("Floats are binary fractions. 1.1 has no exact binary form: the nearest float is "
     "1.100000000000000088817841970012523…, so 200 × 1.1 (like 2.2 × 100) rounds to the float "
     "just above 220, which prints in full as 220.00000000000003. The book prints these full "
     "floats; {digits} significant digits hide the last-bit error.",
     "浮点数是二进制小数。1.1 没有精确的二进制表示：最接近的浮点数是 "
     "1.100000000000000088817841970012523…，所以 200 × 1.1（和 2.2 × 100 一样）舍入为略大于 220 的"
     "浮点数，完整打印就是 220.00000000000003。书中打印的就是这些完整的浮点数；{digits} 位有效数字会隐藏最后一位的误差。",
     "浮動小数点数は2進の小数です。1.1 は2進数で正確に表せず、最も近い浮動小数点数は "
     "1.100000000000000088817841970012523… です。そのため 200 × 1.1（2.2 × 100 も同じ）は 220 の"
     "すぐ上の浮動小数点数に丸められ、全桁を表示すると 220.00000000000003 になります。本はこの全桁を"
     "表示しています。有効数字 {digits} 桁にすると最後の桁の誤差は隠れます。"),
    ("{name} changed; the engine ran again up to step {k}.", "{name} 已修改；引擎已重新计算到第 {k} 步。",
     "{name} を変更しました。ステップ {k} まで計算し直しました。"),
    ("not saved: {path}: {reason}", "未保存：{path}：{reason}", "保存されていません：{path}：{reason}"),
    ("not saved: no folder {folder}", "未保存：没有文件夹 {folder}", "保存されていません：フォルダ {folder} がありません"),
    ("saved to {path}", "已保存到 {path}", "{path} に保存しました"),
    ("[expect] left out, no longer true: {keys}", "[expect] 中不再成立的已略去：{keys}",
     "成り立たなくなった [expect] は省きました：{keys}"),
    ("The edits are not saved (s saves them).", "修改尚未保存（s 保存）。", "変更は保存されていません（s で保存）。"),
    ("Load {path} and lose them?", "载入 {path} 并放弃这些修改吗？", "{path} を読み込み、変更を破棄しますか？"),
    ("Quit and lose them?", "退出并放弃这些修改吗？", "終了して変更を破棄しますか？"),
    ("Quiz done: {right} of {asked} gradients right.", "测验完成：{asked} 个梯度中答对 {right} 个。",
     "クイズ終了：{asked} 個の勾配のうち {right} 個正解。"),
    ("training ", "学习 ", "学習 "),
    ("lr {lr} · {n} steps · ", "学习率 {lr} · {n} 步 · ", "学習率 {lr} · {n} ステップ · "),
    ("lr {lr} · 1 step · ", "学习率 {lr} · 1 步 · ", "学習率 {lr} · 1 ステップ · "),
    (" · next lr {lr}", " · 下一步的学习率 {lr}", " · 次のステップの学習率 {lr}"),
    ("  diverged: lower the lr ([) and reload (r)", "  发散了：降低学习率（[）并重新载入（r）",
     "  発散：学習率を下げて（[）再読み込み（r）"),
    ("enter: next box; on the last, check.  escape: skip (counts as wrong)",
     "enter：下一个输入框；最后一个时检查。escape：跳过（算作错误）",
     "enter：次の入力欄へ、最後の欄で採点。escape：飛ばす（不正解扱い）"),
    ("   t: one step, T: 100, [ ]: lr", "   t：一步，T：100 步，[ ]：学习率", "   t：1 ステップ、T：100、[ ]：学習率"),
    ("Language: English", "语言：中文", "言語：日本語"),
    # help
    ("backprop-tui: keys", "backprop-tui：按键", "backprop-tui：キー"),
    ("next step: forward one layer, then backward one layer",
     "下一步：每次正向传播一层，然后每次反向传播一层", "次のステップ：1 レイヤずつ順伝播、次に 1 レイヤずつ逆伝播"),
    ("previous step", "上一步", "前のステップ"),
    ("to the start / to the end", "到开头 / 到结尾", "最初へ / 最後へ"),
    ("move to a pane (graph, step, values), then scroll it", "切换到一个窗格（计算图、步骤、值），然后滚动它",
     "ペイン（計算グラフ、ステップ、値）に移動し、スクロールする"),
    ("reload the scenario file from disk", "从磁盘重新载入场景文件", "シナリオファイルを読み込み直す"),
    ("close the notes (the boxes at the bottom right)", "关闭提示（右下角的方框）", "通知（右下のボックス）を閉じる"),
    ("toggle full precision (220 / 220.00000000000003)", "切换全精度（220 / 220.00000000000003）",
     "全精度の切り替え（220 / 220.00000000000003）"),
    ("gradient check: backprop beside the numerical gradient (+ and - change h)",
     "梯度确认：误差反向传播与数值微分并列（+ 和 - 改变 h）", "勾配確認：誤差逆伝播と数値微分を並べる（+ と - で h を変える）"),
    ("nudge a value by ε: the change the gradient predicts beside the real one",
     "把一个值微调 ε：梯度预测的变化与实际变化并列", "値を ε だけ動かす：勾配が予測する変化と実際の変化を並べる"),
    ("edit a value (a number or an array literal of the same shape)", "编辑一个值（数字或同形状的数组）",
     "値を編集（数値または同じ形状の配列）"),
    ("save the scenario as edited or trained to a new file", "把修改或学习后的场景保存为新文件",
     "編集・学習後のシナリオを新しいファイルに保存"),
    ("export the whole step-by-step run as Markdown to a file", "把整个逐步过程导出为 Markdown 文件",
     "ステップごとの全過程を Markdown ファイルに書き出す"),
    ("quiz: before each backward step, predict its gradients; scored",
     "测验：每个反向传播步骤之前先预测梯度；计分", "クイズ：逆伝播の各ステップの前に勾配を予想；採点あり"),
    ("train: one / 100 steps of gradient descent on [values]; the loss is plotted",
     "学习：对 [values] 做一步 / 100 步梯度下降；画出损失", "学習：[values] に勾配降下法を 1 / 100 ステップ；損失を描く"),
    ("halve / double the learning rate", "学习率减半 / 加倍", "学習率を半分 / 2 倍に"),
    ("switch the language: English, 中文, 日本語", "切换语言：English、中文、日本語", "言語の切り替え：English、中文、日本語"),
    ("open another scenario", "打开另一个场景", "別のシナリオを開く"),
    ("this help", "本帮助", "このヘルプ"),
    ("quit", "退出", "終了"),
    ("Left: the graph. Values ride the arrows forward; gradients (magenta) come back beneath them. "
     "▶ marks the layer just run forward, ◀ the one just run backward, ✓ a layer done forward, "
     "✓✓ done backward. Right: what the current step did. Bottom: every value with its gradient.",
     "左：计算图。值沿箭头正向传播；梯度（品红色）在箭头下方反向传回。▶ 标记刚做完正向传播的层，◀ 标记刚做完"
     "反向传播的层，✓ 表示正向传播已完成，✓✓ 表示反向传播已完成。右：当前步骤做了什么。下：每个值及其梯度。",
     "左：計算グラフ。値は矢印に沿って順に伝わり、勾配（マゼンタ）は矢印の下を逆に戻る。▶ は順伝播したばかりの"
     "レイヤ、◀ は逆伝播したばかりのレイヤ、✓ は順伝播済み、✓✓ は逆伝播済み。右：現在のステップの内容。"
     "下：すべての値とその勾配。"),
    ("Press escape or ? to close.", "按 escape 或 ? 关闭。", "escape または ? で閉じる。"),
    # dialogs
    ("Open a scenario (↑↓ to choose, enter to open, escape to cancel)",
     "打开场景（↑↓ 选择，enter 打开，escape 取消）", "シナリオを開く（↑↓ で選択、enter で開く、escape で取消）"),
    ("(cannot be loaded)", "（无法载入）", "（読み込めません）"),
    ("Gradient check: {title}", "梯度确认：{title}", "勾配確認：{title}"),
    ("(f(x + h) − f(x − h)) / 2h with h = {h}.  + makes h 10× larger, − 10× smaller: the error "
     "first falls (the difference's own error shrinks like h²), then rises again (rounding: about "
     "1e-16 × |f| / h).",
     "(f(x + h) − f(x − h)) / 2h，h = {h}。+ 把 h 放大 10 倍，− 缩小 10 倍：误差先下降（差分本身的误差"
     "像 h² 一样缩小），然后又上升（舍入误差：约 1e-16 × |f| / h）。",
     "(f(x + h) − f(x − h)) / 2h、h = {h}。+ で h を 10 倍、− で 1/10 に：誤差はまず減り（差分自体の誤差は"
     " h² のように小さくなる）、やがてまた増える（丸め誤差：約 1e-16 × |f| / h）。"),
    ("Where they differ for another reason: a Relu input within h of 0 puts the two points on "
     "both sides of the kink; the loss's log(y + 1e-7) is what the numeric gradient "
     "differentiates, while backprop's (y − t)/N leaves the 1e-7 out.",
     "两者因其他原因不同的地方：Relu 的输入离 0 不到 h 时，两个点落在折点两侧；数值微分求导的是损失的 "
     "log(y + 1e-7)，而反向传播的 (y − t)/N 不含 1e-7。",
     "ほかの理由で食い違う所：Relu の入力が 0 から h 以内だと 2 点が折れ目の両側に来る；数値微分が微分するのは"
     "損失の log(y + 1e-7) だが、誤差逆伝播の (y − t)/N には 1e-7 が入らない。"),
    ("{names}: a fixed sample of {n} entries (seed 0); the row shows the entry where the two "
     "differ most.",
     "{names}：固定抽样 {n} 个元素（种子 0）；表中显示两者相差最大的元素。",
     "{names}：{n} 要素の固定の標本（シード 0）；行には差が最大の要素を示す。"),
    ("+/− change h, escape closes", "+/− 改变 h，escape 关闭", "+/− で h を変える、escape で閉じる"),
    ("Nudge and predict", "微调与预测", "微小変化と予測"),
    ("   (L = {out}, the final output)", "   （L = {out}，最终输出）", "   （L = {out}、最終出力）"),
    ("predicted ΔL = ∂L/∂{at} × ε = ", "预测 ΔL = ∂L/∂{at} × ε = ", "予測 ΔL = ∂L/∂{at} × ε = "),
    ("actual    ΔL = L after − L before = ", "实际 ΔL = 之后的 L − 之前的 L = ", "実際 ΔL = 後の L − 前の L = "),
    ("difference {diff}: the gradient is the slope at this point; the smaller ε, the closer the "
     "straight-line prediction (until rounding takes over).",
     "差 {diff}：梯度是这一点的斜率；ε 越小，直线预测越接近（直到舍入误差占上风）。",
     "差 {diff}：勾配はこの点での傾き；ε が小さいほど直線による予測は近づく（丸め誤差が勝つまで）。"),
    ("↑↓ value  ←→ entry  +/− ε  escape closes", "↑↓ 值  ←→ 元素  +/− ε  escape 关闭",
     "↑↓ 値  ←→ 要素  +/− ε  escape で閉じる"),
    ("Edit a value.  ↑↓ choose · tab: to the input · enter: apply · escape: cancel",
     "编辑一个值。↑↓ 选择 · tab：到输入框 · enter：应用 · escape：取消",
     "値を編集。↑↓ で選択 · tab：入力欄へ · enter：適用 · escape：取消"),
    ("{n} entries: edit this one in the scenario file", "{n} 个元素：请在场景文件中编辑",
     "{n} 要素：これはシナリオファイルで編集してください"),
    ("refused: {reason}", "拒绝：{reason}", "受け付けません：{reason}"),
    ("not a number or an array literal: {text}", "不是数字或数组：{text}", "数値でも配列でもありません：{text}"),
    ("shape {got}, but {name} has shape {want}", "形状是 {got}，但 {name} 的形状是 {want}",
     "形状が {got} ですが、{name} の形状は {want} です"),
    ("Save {what} as (enter saves, escape cancels):", "将{what}保存为（enter 保存，escape 取消）：",
     "{what}を保存するファイル名（enter で保存、escape で取消）："),
    ("the scenario", "场景", "シナリオ"),
    ("the step-by-step run (Markdown)", "逐步过程（Markdown）", "ステップごとの過程（Markdown）"),
    ("name a file", "请输入文件名", "ファイル名を入力してください"),
    ("not replaced: choose another name", "没有替换：请换一个名字", "置き換えていません：別の名前を"),
    ("{path} exists. Replace it?", "{path} 已存在。要替换吗？", "{path} は既にあります。置き換えますか？"),
    ("y: yes    n or escape: no", "y：是    n 或 escape：否", "y：はい    n または escape：いいえ"),
    ("Quiz: ", "测验：", "クイズ："),
    ("backward through {name} ({type}). ", "{name}（{type}）的反向传播。", "{name}（{type}）の逆伝播。"),
    ("a number", "一个数字", "数値"),
    ("not a number: {text}", "不是数字：{text}", "数値ではありません：{text}"),
    ("right ", "正确 ", "正解 "),
    ("wrong ", "错误 ", "不正解 "),
    ("{d}: you said {guess}, it is ", "{d}：你的答案 {guess}，正确值 ", "{d}：あなたの答え {guess}、正しくは "),
    ("enter: on to the step", "enter：继续这一步", "enter：ステップへ進む"),
    # Markdown
    ("Inputs:", "输入：", "入力："),
    ("Output:", "输出：", "出力："),
    ("Shapes:", "形状：", "形状："),
    ("Mask = (x <= 0), kept for backward (**bold**: True):", "Mask = (x <= 0)，保存下来供反向传播使用（**粗体**：True）：",
     "Mask = (x <= 0)、逆伝播のために保持（**太字**：True）："),
    ("Local rule:", "局部规则：", "局所的な規則："),
    ("Chain rule (L = the final output):", "链式法则（L = 最终输出）：", "連鎖律（L = 最終出力）："),
    ("Relu: **bold** entries are masked (x <= 0); their gradient dies.",
     "Relu：**粗体**的元素被 mask 屏蔽（x <= 0）；它们的梯度消失。",
     "Relu：**太字**の要素は mask される（x <= 0）；その勾配は消える。"),
    ("upstream", "上游", "上流"),
    ("All values and gradients", "全部的值和梯度", "すべての値と勾配"),
    ("array: see the steps", "数组：见各步骤", "配列：各ステップを参照"),
    ("shape {shape}", "形状 {shape}", "形状 {shape}"),
])
