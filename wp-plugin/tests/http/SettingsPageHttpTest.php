<?php
/**
 * The settings page driven over HTTP as an administrator does it: `php -S` serves the test site (run.sh
 * starts it, SAPA_SITE_URL), the browser logs in through wp-login.php, opens Settings → Sapa, reads the
 * form and its nonce from the page, submits it to admin-post.php and reads the result on the page it is
 * sent back to. This PHPUnit process only prepares users and reads the database the server wrote.
 *
 * @package Sapa
 */

/**
 * Settings → Sapa over HTTP.
 */
class SettingsPageHttpTest extends Sapa_Test_Case {

	/**
	 * The server must see what this test commits.
	 *
	 * @var bool
	 */
	protected $isolated = false;

	/**
	 * The site.
	 *
	 * @var string
	 */
	private $site;

	/**
	 * Users made by the test (deleted afterwards).
	 *
	 * @var int[]
	 */
	private $users = array();

	/**
	 * Settings before the test (restored afterwards).
	 *
	 * @var mixed
	 */
	private $settings_before;

	protected function setUp(): void {
		parent::setUp();
		$this->site = rtrim( (string) getenv( 'SAPA_SITE_URL' ), '/' );
		$this->assertNotSame( '', $this->site, 'SAPA_SITE_URL is not set: run wp-plugin/tests/run.sh' );
		$this->settings_before = get_option( Sapa_Options::SETTINGS );
	}

	protected function tearDown(): void {
		require_once ABSPATH . 'wp-admin/includes/user.php';
		foreach ( $this->users as $id ) {
			wp_delete_user( $id );
		}
		update_option( Sapa_Options::SETTINGS, $this->settings_before );
		parent::tearDown();
	}

	/**
	 * A browser logged in as the administrator wp_install created.
	 *
	 * @return Sapa_Test_Browser
	 */
	private function admin_browser() {
		$browser = new Sapa_Test_Browser( $this->site );
		$login   = $browser->log_in( 'admin', 'admin-password-for-tests' );
		$this->assertSame( 302, $login['status'], 'login: ' . wp_strip_all_tags( $login['body'] ) );
		$this->assertStringContainsString( '/wp-admin/', $login['location'] );
		return $browser;
	}

	/**
	 * Settings → Sapa as the browser sees it.
	 *
	 * @param Sapa_Test_Browser $browser Browser.
	 * @return string HTML.
	 */
	private function settings_page( Sapa_Test_Browser $browser ) {
		$page = $browser->request( 'GET', '/wp-admin/options-general.php?page=sapa' );
		$this->assertSame( 200, $page['status'], wp_strip_all_tags( $page['body'] ) );
		return $page['body'];
	}

	/**
	 * The stored settings, as the server wrote them.
	 *
	 * @return array
	 */
	private function stored_settings() {
		wp_cache_flush();
		return get_option( Sapa_Options::SETTINGS );
	}

	public function test_an_admin_logs_in_opens_the_page_and_saves_the_button_settings() {
		$browser = $this->admin_browser();
		$html    = $this->settings_page( $browser );
		$this->assertStringContainsString( 'Connect this shop', $html );
		$this->assertStringContainsString( 'WooCommerce is not active.', $html, 'the served site has no WooCommerce, and says so' );

		$fields                         = Sapa_Test_Browser::form_fields( $html, Sapa_Admin_Actions::SAVE_SETTINGS );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{10}$/', $fields['_wpnonce'], 'the nonce is read from the page' );
		$fields['sapa[button_label]']   = 'Tanya via WhatsApp';
		$fields['sapa[position]']       = 'left';
		$fields['sapa[pages]']          = 'except';
		$fields['sapa[page_ids]']       = '12, 40';
		$saved                          = $browser->request( 'POST', '/wp-admin/admin-post.php', $fields );
		$this->assertSame( 302, $saved['status'], wp_strip_all_tags( $saved['body'] ) );
		$this->assertStringEndsWith( '/wp-admin/options-general.php?page=sapa', $saved['location'] );

		$after = $this->settings_page( $browser );
		$this->assertSame( array( 'success: Settings saved.' ), Sapa_Test_Browser::notices( $after ) );
		$this->assertStringContainsString( 'value="Tanya via WhatsApp"', $after );
		$this->assertSame( array(), Sapa_Test_Browser::notices( $this->settings_page( $browser ) ), 'the notice is shown once' );

		$stored = $this->stored_settings();
		$this->assertSame( 'Tanya via WhatsApp', $stored['button_label'] );
		$this->assertSame( 'left', $stored['position'] );
		$this->assertSame( array( 12, 40 ), $stored['page_ids'] );
	}

	public function test_an_invalid_value_is_explained_on_the_page_and_nothing_is_saved() {
		$browser                     = $this->admin_browser();
		$fields                      = Sapa_Test_Browser::form_fields( $this->settings_page( $browser ), Sapa_Admin_Actions::SAVE_SETTINGS );
		$fields['sapa[page_ids]']    = '12, abc';
		$fields['sapa[button_label]'] = 'Never saved';
		$browser->request( 'POST', '/wp-admin/admin-post.php', $fields );

		$this->assertSame( array( 'error: Page IDs must be whole numbers separated by commas, e.g. 12, 40.' ), Sapa_Test_Browser::notices( $this->settings_page( $browser ) ) );
		$this->assertSame( $this->settings_before, $this->stored_settings() );
	}

	public function test_a_forged_nonce_is_refused_with_wordpress_s_own_page() {
		$browser            = $this->admin_browser();
		$fields             = Sapa_Test_Browser::form_fields( $this->settings_page( $browser ), Sapa_Admin_Actions::SAVE_SETTINGS );
		$fields['_wpnonce'] = 'forged0000';
		$fields['sapa[button_label]'] = 'Forged';
		$refused            = $browser->request( 'POST', '/wp-admin/admin-post.php', $fields );

		$this->assertSame( 403, $refused['status'] );
		$this->assertStringContainsString( 'The link you followed has expired.', $refused['body'] );
		$this->assertSame( $this->settings_before, $this->stored_settings() );
	}

	public function test_a_subscriber_cannot_open_the_page_nor_submit_the_form() {
		$admin_fields = Sapa_Test_Browser::form_fields( $this->settings_page( $this->admin_browser() ), Sapa_Admin_Actions::SAVE_SETTINGS );

		$password      = wp_generate_password( 24, false );
		$this->users[] = wp_insert_user(
			array(
				'user_login' => 'subscriber-' . wp_generate_password( 6, false ),
				'user_pass'  => $password,
				'user_email' => 'sub-' . wp_generate_password( 6, false ) . '@example.org',
				'role'       => 'subscriber',
			)
		);
		$browser = new Sapa_Test_Browser( $this->site );
		$login   = $browser->log_in( get_userdata( end( $this->users ) )->user_login, $password );
		$this->assertSame( 302, $login['status'] );

		$page = $browser->request( 'GET', '/wp-admin/options-general.php?page=sapa' );
		$this->assertSame( 403, $page['status'] );
		$this->assertStringNotContainsString( 'sapa_save_settings', $page['body'] );

		$admin_fields['sapa[button_label]'] = 'By a subscriber';
		$refused                            = $browser->request( 'POST', '/wp-admin/admin-post.php', $admin_fields );
		$this->assertSame( 403, $refused['status'] );
		$this->assertSame( $this->settings_before, $this->stored_settings() );
	}

	public function test_a_visitor_is_sent_to_the_login_page() {
		$page = ( new Sapa_Test_Browser( $this->site ) )->request( 'GET', '/wp-admin/options-general.php?page=sapa' );
		$this->assertSame( 302, $page['status'] );
		$this->assertStringContainsString( '/wp-login.php?redirect_to=', $page['location'] );
	}
}
