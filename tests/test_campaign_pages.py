def test_every_role_reads_the_checklist_of_a_campaign(client, session, login_as, campaign):
    login_as("inspector", "150624")
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "2026年度自查验收" in listing and "2026.1版" in listing
    page = client.get(f"/campaigns/{campaign.id}/checklist").get_data(as_text=True)
    assert "A2</b> 标识标志牌悬挂在醒目位置，完好无损" in page
    assert "照片：标识标志牌（必拍）" in page and "照片：场所（选拍）" in page
    assert page.count("关键</span>") == 4
    assert (
        "90分及以上：可推荐示范站" in page
        and "80至89分：合格" in page
        and "80分以下：需整改" in page
        and "和解率≥90% 8分" in page
    )


def test_unknown_campaign_is_404(client, login_as):
    login_as("city")
    assert client.get("/campaigns/404/checklist").status_code == 404


def test_home_links_the_current_checklist(client, session, login_as, campaign):
    login_as("leader", "150602")
    assert f"/campaigns/{campaign.id}/checklist" in client.get("/").get_data(as_text=True)
