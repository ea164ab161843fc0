"""Sample conversion reports, written for the tests, in each network's layout."""

GENERIC_HEADER = "transaction_id,click_id,date,status,sale_amount,commission,currency"


def generic(*rows):
    """A generic report: ``rows`` are tuples in GENERIC_HEADER's order."""
    lines = [GENERIC_HEADER, *(",".join(str(value) for value in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


SAMPLES = {
    "awin": (
        "Transaction ID,Advertiser Name,Click Ref,Transaction Date,Commission Status,"
        "Sale Amount,Commission Amount,Currency\n"
        "AW-1,PaperTrail,{click},02/11/2026 14:30:00,pending,45.00,4.50,GBP\n"
        "AW-2,PaperTrail,,03/11/2026 09:00:00,deleted,20.00,2.00,GBP\n"
    ),
    "cj": (
        "Action ID,Advertiser,SID,Event Date,Action Status,Sale Amount,"
        "Publisher Commission,Currency\n"
        "CJ-1,ResumeCraft,{click},2026-11-02T14:30:00,locked,100.00,12.00,USD\n"
        "CJ-2,ResumeCraft,unknown,2026-11-03T10:00:00,new,50.00,6.00,USD\n"
    ),
    "impact": (
        "Action Id,Campaign,SubId1,SubId2,Event Date,Status,Sale Amount,Payout,Currency\n"
        "IM-1,CoachPoint,{click},,2026-11-02 14:30:00,Approved,80.00,16.00,EUR\n"
        "IM-2,CoachPoint,{click},,2026-11-04 11:00:00,Reversed,80.00,-16.00,EUR\n"
    ),
    "shareasale": (
        "Trans ID,Merchant,Afftrack,Trans Date,Status,Sale Amount,Commission\n"
        'SAS-1,PaperTrail,{click},11/02/2026 02:30:00 PM,Locked,"1,250.00",125.00\n'
    ),
    "amazon": (
        "Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price,Items Shipped,"
        "Returns,Revenue,Ad Fees,Device Type Group\n"
        "Office,Thank-you cards,B000TEST01,Amazon,careercompass-21,2026-11-02,9.00,1,0,"
        "9.00,0.36,DESKTOP\n"
        "Office,Thank-you cards,B000TEST01,Amazon,careercompass-21,2026-11-02,9.00,1,0,"
        "9.00,0.36,PHONE\n"
    ),
}
