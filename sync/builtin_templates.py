"""The field templates shipped with the service, from the headers in shared/PLATFORM_EXPORTS.md.

Aliases are compared after `header_key()` (case, spaces, asterisks, full-width forms and a bracketed
currency suffix do not matter), so each entry lists one spelling per language or export version.
Simplified Chinese aliases are the Traditional (Taiwan) headers converted, as no public source has them.
A mapped field that is no column of the fact table (`parent_sku`) only feeds `fallbacks` and is kept with
the file's unmapped cells (sync.ingest.unmapped). `options.encodings` lists the csv encodings tried after a
BOM and UTF-8; `options.keep_in_extra` names unmapped columns kept per row in the `extra` JSON;
`options.known_columns` names the columns the export carries that no field maps (those of the generated demo
files, sync.demo.exports, which follow PLATFORM_EXPORTS.md), so that only a column the platform adds is
reported as drift (sync.ingest.drift).
"""

ORDER_DATE_FORMATS_SEA = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d",
]

PERCENT = "percent"

# Sources of the Shopee order header languages (headers compare after header_key):
# - English: ComaGear/shopeesalescoverter:src/test/resources/orderSalesReport.xlsx (via PLATFORM_EXPORTS.md).
# - Traditional Chinese: bruce-yang-422/shopee_orders_etl:scripts/config.py; Simplified is it converted
#   (unsourced as such: no public Simplified Chinese Shopee export was found).
# - Indonesian: public Shopee order importers found by exact-string code search (the index gave no repository
#   names): a React ImportWizard mapping "Nomor Referensi SKU", "Nama Produk", "Nama Variasi", "Harga Awal",
#   "Total Harga Produk", "Username (Pembeli)" (index id 62655889147; it warns not to confuse "Total Harga
#   Produk" with "Harga Awal"), one reading "Waktu Pembayaran Dilakukan" (id 69310158937), one "SKU Induk"
#   (id 68392459177). Unsourced in public code: "Harga Setelah Diskon" (deal price), taken from the
#   issue's report of a real export.
# - Vietnamese: public Shopee order importers found the same way: "Mã đơn hàng", "Trạng Thái Đơn Hàng",
#   "SKU phân loại hàng", "SKU sản phẩm", "Tên sản phẩm", "Tên phân loại hàng", "Giá gốc", "Giá ưu đãi",
#   "Số lượng", "Mã vận đơn" (id 54653513395), "Ngày đặt hàng", "Tổng giá bán (sản phẩm)" (id 70121216918),
#   "Người Mua" (id 62963629870).
# - Thai: narongrit-tech/saas-dashboard:frontend/src/lib/importers/shopee-orders-parser.ts.
# - Malay: unsourced, none added (the Malaysian sample file above has English headers).
SHOPEE_ORDERS = {
    "name": "Shopee orders",
    "platform_code": "shopee",
    "data_domain": "orders",
    "mapping": {
        "order_id": ["Order ID", "訂單編號", "订单编号", "No. Pesanan", "หมายเลขคำสั่งซื้อ", "Mã đơn hàng"],
        "business_date": ["Order Creation Date", "訂單成立日期", "订单成立日期", "Waktu Pesanan Dibuat",
                          "วันที่ทำการสั่งซื้อ", "Ngày đặt hàng"],
        "ordered_at": ["Order Creation Date", "訂單成立日期", "订单成立日期", "Waktu Pesanan Dibuat",
                       "วันที่ทำการสั่งซื้อ", "Ngày đặt hàng"],
        "paid_at": ["Order Paid Time", "買家付款時間", "买家付款时间", "Waktu Pembayaran Dilakukan",
                    "เวลาการชำระสินค้า"],
        "order_status": ["Order Status", "訂單狀態", "订单状态", "Status Pesanan", "สถานะการสั่งซื้อ",
                         "Trạng Thái Đơn Hàng"],
        "product_name": ["Product Name", "商品名稱", "商品名称", "Nama Produk", "ชื่อสินค้า", "Tên sản phẩm"],
        "sku": ["SKU Reference No.", "商品選項貨號", "商品选项货号", "Nomor Referensi SKU",
                "เลขอ้างอิง SKU (SKU Reference No.)", "เลขอ้างอิง SKU", "SKU phân loại hàng"],
        "line_key": ["SKU Reference No.", "商品選項貨號", "商品选项货号", "Nomor Referensi SKU",
                     "เลขอ้างอิง SKU (SKU Reference No.)", "เลขอ้างอิง SKU", "SKU phân loại hàng"],
        "variation": ["Variation Name", "商品選項名稱", "商品选项名称", "Nama Variasi", "Tên phân loại hàng"],
        "quantity": ["Quantity", "數量", "数量", "Jumlah", "จำนวน", "Số lượng"],
        "unit_price": ["Original Price", "商品原價", "商品原价", "Harga Awal", "ราคาตั้งต้น", "Giá gốc"],
        "deal_price": ["Deal Price", "商品活動價格", "商品活动价格", "Harga Setelah Diskon", "ราคาขาย", "Giá ưu đãi"],
        "subtotal": ["Product Subtotal", "Products' Price Paid by Buyer", "商品總價", "商品总价",
                     "Total Harga Produk", "Tổng giá bán (sản phẩm)"],
        "seller_discount": ["Seller Discount", "賣場優惠券", "卖场优惠券"],
        "shipping_fee": ["Buyer Paid Shipping Fee", "買家支付運費", "买家支付运费", "ค่าจัดส่งที่ชำระโดยผู้ซื้อ"],
        "order_total": ["Grand Total", "買家總支付金額", "买家总支付金额"],
        "buyer": ["Username (Buyer)", "買家帳號", "买家账号", "Username (Pembeli)", "Người Mua"],
        "tracking_number": ["Tracking Number", "包裹查詢號碼", "包裹查询号码", "หมายเลขติดตามพัสดุ", "Mã vận đơn"],
        "parent_sku": ["Parent SKU Reference No.", "主商品貨號", "主商品货号", "SKU Induk", "เลขอ้างอิง Parent SKU",
                       "SKU sản phẩm"],
    },
    "required_fields": ["order_id", "business_date", "line_key", "quantity"],
    "dedup_fields": ["order_id", "line_key"],
    "date_formats": ORDER_DATE_FORMATS_SEA,
    "options": {"fallbacks": {"line_key": ["parent_sku", "product_name"]},
                "known_columns": [
                    "Cancel reason", "Return / Refund Status", "Shipping Option", "Shipment Method",
                    "Estimated Ship Out Date", "Ship Time", "Returned quantity", "Seller Rebate", "Shopee Rebate",
                    "SKU Total Weight", "No of product in order", "Order Total Weight", "Voucher Code From Seller",
                    "Seller Voucher", "Seller Absorbed Coin Cashback", "Shopee Voucher", "Bundle Deal Indicator",
                    "Shopee Bundle Discount", "Seller Bundle Discount", "Shopee Coins Offset",
                    "Credit Card Discount Total", "Total Amount", "Shipping Rebate Estimate",
                    "Reverse Shipping Fee", "Transaction Fee", "Commission Fee", "Service Fee",
                    "Estimated Shipping Fee", "Receiver Name", "Phone Number", "Delivery Address", "Town",
                    "District", "City", "Province", "Country", "Zip Code", "Remark from buyer",
                    "Order Complete Time", "Note", "不成立原因", "退货数量", "收件者姓名", "城市", "实际出货时间", "买家备注", "备注",
                ]},
}

# Languages: English from a tool copying the official export (PLATFORM_EXPORTS.md); Traditional Chinese
# and its Simplified conversion unsourced. Indonesian, Vietnamese, Thai, Malay: unsourced, none added.
SHOPEE_PRODUCTS = {
    "name": "Shopee product performance",
    "platform_code": "shopee",
    "data_domain": "products",
    "mapping": {
        "item_id": ["Item ID", "商品ID", "商品編號", "商品编号"],
        "variation_id": ["Variation ID", "規格ID", "规格ID"],
        "product_name": ["Product", "商品", "商品名稱", "商品名称"],
        "item_status": ["Current Item Status", "目前商品狀態", "目前商品状态"],
        "sku": ["SKU", "商品選項貨號", "商品选项货号"],
        "parent_sku": ["Parent SKU", "主商品貨號", "主商品货号"],
        "impressions": ["Product Impression", "商品曝光次數", "商品曝光次数"],
        "clicks": ["Product Clicks", "商品點擊數", "商品点击数"],
        "ctr": ["CTR", "點擊率", "点击率"],
        "visitors": ["Product Visitors (Visit)", "商品訪客數", "商品访客数"],
        "page_views": ["Product Page Views", "商品頁面瀏覽數", "商品页面浏览数"],
        "add_to_cart_units": ["Units (Add to Cart)", "加入購物車件數", "加入购物车件数"],
        "orders_placed": ["Placed Order", "已下單訂單", "已下单订单"],
        "orders_confirmed": ["Confirmed Order", "Paid Order(s)", "已確認訂單", "已确认订单"],
        "units_placed": ["Units (Placed Order)", "已下單件數", "已下单件数"],
        "units_confirmed": ["Units (Confirmed Order)", "Units (Paid Order)", "已確認件數", "已确认件数"],
        "buyers_placed": ["Buyers (Placed Order)", "已下單買家數", "已下单买家数"],
        "sales_placed": ["Sales (Placed Order)", "已下單銷售額", "已下单销售额"],
        "sales_confirmed": ["Sales (Confirmed Order)", "Sales (Paid Order)", "已確認銷售額", "已确认销售额"],
        "conversion_rate": ["Order Conversion Rate (Placed Order)", "下單轉換率", "下单转化率"],
        "bounce_rate": ["Product Bounce Rate", "商品跳出率"],
    },
    "types": {"ctr": PERCENT, "conversion_rate": PERCENT, "bounce_rate": PERCENT},
    "required_fields": ["item_id"],
    "dedup_fields": ["item_id", "variation_id"],
    "date_from_period": True,
    "options": {"fallbacks": {"sku": ["parent_sku"]}, "defaults": {"variation_id": ""},
                "known_columns": [
                    "Variation Name", "Current Variation Status", "Order Conversion Rate (Confirmed Order)",
                    "Buyers (Confirmed Order)", "Conversion Rate (Placed Order)",
                    "Conversion Rate (Confirmed Order)", "Sales per Order (Placed Order) (MYR)",
                    "Sales per Order (Confirmed Order) (MYR)", "Unique Product Impressions",
                    "Unique Product Clicks", "Product Bounce Visitors", "Search Clicks", "Likes",
                    "Product Visitors (Add to Cart)", "Conversion Rate (Add to Cart)",
                ]},
}

# Languages: English and Indonesian "Tanggal" / "Pengunjung" from PLATFORM_EXPORTS.md; Chinese unsourced.
# Vietnamese, Thai, Malay: unsourced, none added.
SHOPEE_TRAFFIC = {
    "name": "Shopee traffic (Sales Overview, daily table)",
    "platform_code": "shopee",
    "data_domain": "traffic",
    "mapping": {
        "business_date": ["Date", "Tanggal", "日期"],
        "visitors": ["Visitors (Visit)", "Visitors", "Pengunjung", "訪客數", "访客数"],
        "page_views": ["Page Views", "Product Page Views", "頁面瀏覽數", "页面浏览数"],
        "buyers": ["Buyers (Placed Orders)", "Buyers", "買家數", "买家数"],
        "orders": ["Orders (Placed Orders)", "Orders", "訂單數", "订单数"],
        "units": ["Units (Placed Orders)", "Units", "件數", "件数"],
        "sales": ["Sales (Confirmed Orders)", "Sales (Placed Orders)", "Sales", "銷售額", "销售额"],
        "conversion_rate": ["Conversion Rate (Placed Orders)", "Order Conversion Rate", "轉換率", "转化率"],
        "bounce_rate": ["Bounce Rate", "跳出率"],
    },
    "types": {"conversion_rate": PERCENT, "bounce_rate": PERCENT},
    "required_fields": ["business_date"],
    "dedup_fields": ["channel"],
    "date_formats": ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"],
    "options": {"defaults": {"channel": ""}},
}

# Languages: Simplified Chinese from timberdayz/timber_dayz (Miaoshou export, PLATFORM_EXPORTS.md); English
# and Traditional Chinese unsourced. Indonesian, Vietnamese, Thai, Malay: unsourced, none added.
SHOPEE_INVENTORY = {
    "name": "Shopee inventory",
    "platform_code": "shopee",
    "data_domain": "inventory",
    "mapping": {
        "sku": ["SKU", "SKU Reference No.", "商品選項貨號", "商品选项货号"],
        "product_name": ["Product Name", "商品名稱", "商品名称"],
        "warehouse": ["Warehouse", "倉庫", "仓库"],
        "total_stock": ["Stock", "Total Stock", "庫存總量", "库存总量"],
        "available_stock": ["Available Stock", "可用庫存", "可用库存"],
        "reserved_stock": ["Reserved Stock", "預佔庫存", "预占库存"],
        "in_transit_stock": ["In Transit Stock", "在途庫存", "在途库存"],
        "safety_stock": ["Safety Stock", "安全庫存", "安全库存"],
        "unit_price": ["Price", "單價", "单价", "单价（元）"],
    },
    "required_fields": ["sku", "total_stock"],
    "dedup_fields": ["sku", "warehouse"],
    "date_from_period": True,
    "options": {"defaults": {"warehouse": ""},
                "known_columns": [
                    "总价（元）", "活动预留库存", "计划库存",
                ]},
}

# Languages: every region exports the English header row (jeffpham2906/JP-Manager:server/types/order.d.ts;
# narongrit-tech/saas-dashboard); the seller's language is only in the description row 2, which must not
# match. Chinese aliases unsourced. Indonesian, Vietnamese, Thai, Malay: no separate header, none added.
TIKTOK_ORDERS = {
    "name": "TikTok Shop orders (OrderSKUList)",
    "platform_code": "tiktok",
    "data_domain": "orders",
    "mapping": {
        "order_id": ["Order ID", "订单号", "訂單編號"],
        "line_key": ["SKU ID", "SKU编号"],
        "sku": ["Seller SKU", "卖家SKU", "賣家SKU"],
        "order_status": ["Order Status", "订单状态", "訂單狀態"],
        "product_name": ["Product Name", "商品名称", "商品名稱"],
        "variation": ["Variation", "规格", "規格"],
        "quantity": ["Quantity", "数量", "數量"],
        "unit_price": ["SKU Unit Original Price", "SKU单价", "SKU原价"],
        "subtotal": ["SKU Subtotal After Discount", "SKU折后小计"],
        "seller_discount": ["SKU Seller Discount", "SKU卖家折扣"],
        "shipping_fee": ["Shipping Fee After Discount", "折后运费"],
        "order_total": ["Order Amount", "订单金额", "訂單金額"],
        "business_date": ["Created Time", "创建时间", "建立時間"],
        "ordered_at": ["Created Time", "创建时间", "建立時間"],
        "paid_at": ["Paid Time", "付款时间", "付款時間"],
        "buyer": ["Buyer Username", "买家用户名", "買家帳號"],
        "tracking_number": ["Tracking ID", "物流单号", "追蹤號碼"],
    },
    "required_fields": ["order_id", "business_date", "line_key", "quantity"],
    "dedup_fields": ["order_id", "line_key"],
    # Region decides the order: day first in SEA, month first with AM/PM in the US and Philippines.
    "date_formats": ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S"],
    "options": {"fallbacks": {"line_key": ["sku"]},
                "known_columns": [
                    "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "Sku Quantity of return",
                    "SKU Subtotal Before Discount", "SKU Platform Discount", "Original Shipping Fee",
                    "Shipping Fee Seller Discount", "Shipping Fee Platform Discount", "Payment platform discount",
                    "Taxes", "Order Refund Amount", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time",
                    "Cancel By", "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Delivery Option",
                    "Shipping Provider Name", "Buyer Message", "Recipient", "Phone #", "Country", "State",
                    "Post Town", "Zipcode", "Detail Address", "Additional address information", "Payment Method",
                    "Weight(kg)", "Product Category", "Package ID", "Seller Note", "Checked Status",
                    "Checked Marked by",
                ]},
}

# Languages: camelCase and Title Case English headers are the same in every Lazada market
# (PLATFORM_EXPORTS.md); Chinese aliases unsourced. No localised Lazada headers were found: none added.
LAZADA_ORDERS = {
    "name": "Lazada orders",
    "platform_code": "lazada",
    "data_domain": "orders",
    "mapping": {
        "line_key": ["orderItemId", "Order Item Id"],
        "order_id": ["orderNumber", "Order Number", "订单号"],
        "sku": ["sellerSku", "Seller SKU", "卖家SKU"],
        "product_name": ["itemName", "Item Name", "商品名称"],
        "variation": ["variation", "Variation"],
        "unit_price": ["unitPrice", "Unit Price", "单价"],
        "subtotal": ["paidPrice", "Paid Price", "实付金额"],
        "seller_discount": ["sellerDiscountTotal", "Seller Discount Total"],
        "shipping_fee": ["shippingFee", "Shipping Fee", "运费"],
        "order_status": ["status", "Status", "订单状态"],
        "business_date": ["createTime", "Created at", "创建时间"],
        "ordered_at": ["createTime", "Created at", "创建时间"],
        "buyer": ["customerName", "Customer Name"],
        "tracking_number": ["trackingCode", "Tracking Code"],
    },
    "required_fields": ["order_id", "line_key", "business_date"],
    "dedup_fields": ["order_id", "line_key"],
    "date_formats": ["%d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
    # One row per unit: Lazada has no quantity column.
    "options": {"defaults": {"quantity": 1},
                "known_columns": [
                    "orderType", "Guarantee", "deliveryType", "lazadaId", "lazadaSku", "wareHouse", "updateTime",
                    "rtsSla", "ttsSla", "invoiceRequired", "invoiceNumber", "deliveredDate", "customerEmail",
                    "shippingCity", "shippingPostCode", "shippingCountry", "payMethod", "walletCredit", "bundleId",
                    "bundleDiscount", "refundAmount", "sellerNote",
                ]},
}

# Languages: English flat-file attribute names from the SP-API report docs, used by every marketplace.
# Japanese (Amazon JP, e.g. 注文番号 / 出品者SKU): unsourced, none added.
AMAZON_ORDERS = {
    "name": "Amazon All Orders report (flat file)",
    "platform_code": "amazon",
    "data_domain": "orders",
    "mapping": {
        "order_id": ["amazon-order-id"],
        "line_key": ["sku"],
        "sku": ["sku"],
        "business_date": ["purchase-date"],
        "ordered_at": ["purchase-date"],
        "order_status": ["order-status"],
        "product_name": ["product-name"],
        "quantity": ["quantity"],
        "subtotal": ["item-price"],
        "seller_discount": ["item-promotion-discount"],
        "shipping_fee": ["shipping-price"],
        "currency": ["currency"],
    },
    "required_fields": ["order_id", "line_key", "business_date", "quantity"],
    "dedup_fields": ["order_id", "line_key"],
    # ISO 8601 with an offset: the only platform here not in the shop's local time.
    "date_formats": ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S"],
    # Marketplaces outside Japan and China write CP1252: decoding it as GB18030 would garble accents.
    "options": {"encodings": ["cp1252"],
                "known_columns": [
                    "merchant-order-id", "last-updated-date", "fulfillment-channel", "sales-channel",
                    "order-channel", "ship-service-level", "asin", "item-status", "item-tax", "shipping-tax",
                    "gift-wrap-price", "gift-wrap-tax", "ship-promotion-discount", "ship-city", "ship-state",
                    "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
                    "purchase-order-number", "price-designation",
                ]},
}

BUILTIN_TEMPLATES = [
    SHOPEE_ORDERS,
    SHOPEE_PRODUCTS,
    SHOPEE_TRAFFIC,
    SHOPEE_INVENTORY,
    TIKTOK_ORDERS,
    LAZADA_ORDERS,
    AMAZON_ORDERS,
]
